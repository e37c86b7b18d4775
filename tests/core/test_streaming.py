"""One feature declaration, two forms: streaming steps equal the batch features bit for bit."""

import numpy as np
import pytest

from quant.core.indicators import IndicatorInputError
from quant.core.streaming import Indicator, derive_features, stream_features, stream_init
from tests.backtest.sample_bars import daily_bars

COLS = ("open", "high", "low", "close", "volume")
SPECS = (
    Indicator("value", "close"),
    Indicator("sma", "close", 7),
    Indicator("ema", "high", 12),
    Indicator("rsi", "close", 14),
    Indicator("rolling_std", "low", 20),
    Indicator("zscore", "volume", 30),
)


def _bars(symbol, n=None):
    df = daily_bars(symbol, n)
    return {c: df[c].to_numpy() for c in COLS}


def test_streaming_equals_batch_bit_for_bit_on_shipped_data_with_gaps():
    features, init, step = derive_features(lambda p: SPECS)
    bars = _bars("NVDA")
    bars["close"][[5, 6, 300]] = np.nan  # a missing bar leaves every state unchanged
    bars["volume"][[40, 41]] = np.nan  # a NaN input column only affects its own kernel
    ok = ~np.isnan(bars["close"])
    batch = features({c: v[ok] for c, v in bars.items()}, None)
    state = init(None, 1)
    rows = np.column_stack([bars[c] for c in COLS])
    streamed = np.array([step(None, state, rows[t : t + 1])[0] for t in range(len(rows))])
    assert np.isnan(streamed[~ok]).all()
    assert streamed[ok].tobytes() == batch.tobytes()


def test_streaming_state_is_per_symbol_and_survives_a_float_round_trip():
    a, b = _bars("ORCL", 400), _bars("YHOO", 400)
    rows = np.stack([np.column_stack([x[c] for c in COLS]) for x in (a, b)], axis=1)
    state = stream_init(SPECS, 2)
    out = []
    for t in range(rows.shape[0]):
        state = np.frombuffer(state.tobytes()).reshape(state.shape).copy()  # persisted bytes
        out.append(stream_features(SPECS, state, rows[t]))
    out = np.array(out)
    for j, x in enumerate((a, b)):
        assert out[:, j, :].tobytes() == derive_features(lambda p: SPECS)[0](x, None).tobytes()


def test_an_unknown_kernel_or_column_is_refused_with_its_name():
    with pytest.raises(IndicatorInputError, match="macd_hist"):
        stream_init((Indicator("macd_hist", "close", 3),), 1)
    with pytest.raises(IndicatorInputError, match="vwap"):
        stream_init((Indicator("sma", "vwap", 3),), 1)
    with pytest.raises(IndicatorInputError, match="n must be"):
        stream_init((Indicator("sma", "close", 0),), 1)


def test_a_state_of_another_width_is_refused_not_misread():
    # a snapshot written by other parameters (or an older state layout) must not be read
    state = stream_init(SPECS, 2)
    rows = np.ones((2, 5))
    other = (Indicator("rolling_std", "close", 21),)
    with pytest.raises(IndicatorInputError, match=r"shape \(2, \d+\).*start the strategy"):
        stream_features(other, state, rows)
    with pytest.raises(IndicatorInputError, match="shape"):
        stream_features(SPECS, state[:, :-1].copy(), rows)
    assert np.array_equal(state, stream_init(SPECS, 2), equal_nan=True)  # nothing advanced


@pytest.mark.parametrize(
    ("k", "specs"),
    # S x K <= 8: written straight into [n, S, K]; 40 symbols: several tiles of each transpose
    [(1, SPECS), (3, SPECS), (2, SPECS[:4]), (40, SPECS)],
)
def test_panel_features_equal_each_symbols_batch_features_bit_for_bit(k, specs):
    from quant.core.streaming import batch_features, panel_features

    rng = np.random.default_rng(3)
    n = 2500
    close = 100 + np.cumsum(rng.normal(0, 1, (n, k)), axis=0)
    bars = {"open": close + 0.1, "high": close + 1, "low": close - 1, "close": close,
            "volume": rng.uniform(1e3, 1e4, (n, k))}  # fmt: skip
    panel = panel_features(specs, bars)
    assert panel.shape == (n, k, len(specs)) and panel.flags.c_contiguous
    for j in range(k):
        one = batch_features(specs, {c: np.ascontiguousarray(v[:, j]) for c, v in bars.items()})
        assert panel[:, j, :].tobytes() == one.tobytes()
