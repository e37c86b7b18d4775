"""The registry, the RSI and z-score strategies, and deterministic runs on real bars."""

import numpy as np
import pytest

from quant.backtest.config import BacktestConfig
from quant.backtest.engine import run_backtest
from quant.backtest.strategy import (
    InvalidParamsError,
    UnknownStrategyError,
    available,
    resolve,
    validate_params,
)
from strategies import rsi_mean_reversion as R  # noqa: N812
from strategies import zscore_reversion as Z  # noqa: N812
from tests.backtest.sample_bars import daily_bars


def test_registry_lists_and_resolves_every_strategy():
    assert available() == [
        "pairs_spread", "rsi_mean_reversion", "sma_crossover", "zscore_reversion"
    ]  # fmt: skip
    assert resolve("zscore_reversion") is Z
    with pytest.raises(UnknownStrategyError, match="available"):
        resolve("nope")


def test_cross_field_checks_reject_inconsistent_levels():
    with pytest.raises(InvalidParamsError, match="lower < exit < upper"):
        validate_params(R, {"lower": 60, "exit": 50})
    with pytest.raises(InvalidParamsError, match="exit"):
        validate_params(Z, {"entry": 1.0, "exit": 1.5})


def test_rsi_decisions_follow_the_levels():
    pa = R.params_array(R.Params())
    st = R.init_state(R.Params())
    assert R.decide(np.array([25.0]), 0.0, st, pa) == 1.0
    assert R.decide(np.array([55.0]), 10.0, st, pa) == 0.0
    assert np.isnan(R.decide(np.array([55.0]), 0.0, st, pa))
    assert np.isnan(R.decide(np.array([80.0]), 0.0, st, pa))  # no shorts by default
    pa_s = R.params_array(R.Params(short=True))
    assert R.decide(np.array([80.0]), 0.0, st, pa_s) == -1.0


def test_zscore_decisions_follow_the_thresholds():
    pa = Z.params_array(Z.Params(short=True))
    st = Z.init_state(Z.Params())
    assert Z.decide(np.array([-2.5]), 0.0, st, pa) == 1.0
    assert Z.decide(np.array([2.5]), 0.0, st, pa) == -1.0
    assert Z.decide(np.array([0.1]), 5.0, st, pa) == 0.0
    assert np.isnan(Z.decide(np.array([1.0]), 5.0, st, pa))


@pytest.mark.parametrize("name", ["sma_crossover", "rsi_mean_reversion", "zscore_reversion"])
def test_each_strategy_runs_on_real_bars_and_reruns_identically(name):
    bars = daily_bars("ORCL", 1500)
    cfg = BacktestConfig(fees={"pct": 0.001}, slippage={"model": "constant", "param": 5})
    a = run_backtest(name, bars, None, cfg)
    b = run_backtest(name, bars, None, cfg)
    assert a.metrics.n_trades > 3
    assert a.fills.tobytes() == b.fills.tobytes() and a.equity.tobytes() == b.equity.tobytes()
    assert a.metrics == b.metrics
