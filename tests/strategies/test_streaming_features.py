"""Every shipped strategy's streaming features equal its batch features bit for bit."""

import numpy as np
import pytest

from quant.backtest.strategy import resolve, validate_params
from tests.backtest.sample_bars import daily_bars

COLS = ("open", "high", "low", "close", "volume")
CASES = [
    ("sma_crossover", {}),
    ("sma_crossover", {"fast": 1, "slow": 20}),
    ("sma_crossover", {"fast": 5, "slow": 200, "short": True}),
    ("rsi_mean_reversion", {}),
    ("rsi_mean_reversion", {"period": 2, "lower": 10, "exit": 50, "upper": 90}),
    ("rsi_mean_reversion", {"period": 60}),
    ("zscore_reversion", {}),
    ("zscore_reversion", {"window": 3, "entry": 1.0, "exit": 0.2}),
    ("zscore_reversion", {"window": 250}),
]


@pytest.mark.parametrize(("name", "params"), CASES)
@pytest.mark.parametrize("symbol", ["ORCL", "NVDA"])
def test_streaming_features_equal_batch_features_on_shipped_data(name, params, symbol):
    mod = resolve(name)
    p = validate_params(mod, params)
    df = daily_bars(symbol)
    bars = {c: df[c].to_numpy() for c in COLS}
    batch = mod.features(bars, p)
    state = mod.features_init(p, 1)
    rows = np.column_stack([bars[c] for c in COLS])
    streamed = np.concatenate(
        [mod.features_step(p, state, rows[t : t + 1]) for t in range(len(df))]
    )
    assert streamed.shape == batch.shape
    assert streamed.tobytes() == batch.tobytes()
    assert np.isfinite(batch[-1]).all()
