"""Parity: replaying shipped real bars through the live path gives the backtest's records exactly.

Every shipped strategy, several parameter sets, fees + slippage + partial fills (volume
participation) on; orders, fills, trades, equity, exposure, targets and HALT codes compared
as bytes.
"""

import polars as pl
import pytest

from quant.backtest.config import BacktestConfig, Fees, RiskLimits, Sizing, Slippage
from quant.backtest.engine import run_backtest
from quant.live.replay import replay
from tests.backtest.sample_bars import daily_bars

FIELDS = ("orders", "fills", "trades", "equity", "exposure", "targets", "halt", "ts")
COSTS = {
    "fees": Fees(pct=0.001, fixed=1.0, minimum=2.0),
    "slippage": Slippage(model="constant", param=5.0),
    "participation": 0.0002,  # a few hundred shares a bar: entries fill over several bars
}
CASES = [
    ("sma_crossover", {"fast": 5, "slow": 20}, {}),
    ("sma_crossover", {"fast": 1, "slow": 30, "short": True}, {"allow_short": True}),
    ("rsi_mean_reversion", {"period": 5, "lower": 35, "exit": 50, "upper": 65}, {}),
    (
        "rsi_mean_reversion",
        {"period": 4, "lower": 40, "exit": 50, "upper": 60},
        {"entry_order": "limit", "entry_offset": 0.002, "time_in_force": "day"},
    ),
    ("zscore_reversion", {"window": 10, "entry": 1.5, "exit": 0.3}, {}),
    (
        "sma_crossover",
        {"fast": 3, "slow": 10},
        {"clamp_slippage_to_bar": True, "slippage": Slippage(model="constant", param=80.0)},
    ),
    (
        "zscore_reversion",
        {"window": 20, "entry": 1.0, "exit": 0.2, "short": True},
        {
            "allow_short": True,
            "slippage": Slippage(model="sqrt", param=0.5),
            "sizing": Sizing(rule="vol", value=0.2),
        },
    ),
]


def _same(bt, lv):
    for name in FIELDS:
        assert getattr(bt, name).tobytes() == getattr(lv, name).tobytes(), name
    assert lv.n_clamped_fills == bt.n_clamped_fills


@pytest.mark.parametrize(("name", "params", "extra"), CASES)
def test_replay_reproduces_the_backtest_on_shipped_bars(tmp_path, name, params, extra):
    bars = daily_bars("ORCL", 360)
    cfg = BacktestConfig(**(COSTS | extra))
    bt = run_backtest(name, bars, params, cfg)
    lv = replay(name, bars, tmp_path, params, cfg)
    assert len(bt.fills) > len(bt.orders) > 4  # partial fills really happen
    _same(bt, lv)


def test_replay_reproduces_a_two_symbol_backtest_with_risk_limits(tmp_path):
    bars = pl.concat([daily_bars("NVDA", 300), daily_bars("YHOO", 300)])
    cfg = BacktestConfig(
        **COSTS, sizing=Sizing(rule="fraction", value=0.6),
        risk=RiskLimits(max_exposure=1.0, max_drawdown=0.25, halt_action="freeze"),
    )  # fmt: skip
    params = {"window": 8, "entry": 1.2, "exit": 0.4}
    bt = run_backtest("zscore_reversion", bars, params, cfg)
    lv = replay("zscore_reversion", bars, tmp_path, params, cfg)
    assert len(set(bt.fills["symbol"].tolist())) == 2
    _same(bt, lv)
