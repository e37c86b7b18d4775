"""HALT inside the simulation: close or freeze per configuration, daily reset, latching."""

import numpy as np
import pytest

from quant.core.records import ROLE_RISK
from quant.core.sim.layout import (
    HALT_CONSEC_LOSSES,
    HALT_DAILY_LOSS,
    HALT_DRAWDOWN,
    HALT_NONE,
    HALT_VOLATILITY,
)
from tests.core.sim.helpers import DAY, market, nan, run

# price falls 30 % from bar 3 on, then recovers
CLOSE = [100.0, 100.0, 100.0, 70.0, 70.0, 80.0, 90.0, 100.0]


def test_drawdown_halt_closes_positions_and_blocks_new_entries():
    bars = market(CLOSE, open=CLOSE)
    r = run([1, nan, nan, nan, nan, 1, nan, nan], bars, cash=1000.0,
            sizing={"rule": "fixed", "value": 10}, risk={"max_drawdown": 0.2})  # fmt: skip
    # equity 1000 -> 700 at bar 3 (30 % drawdown): HALT, close at bar 4's open
    assert r.halt[2] == HALT_NONE and (r.halt[3:] == HALT_DRAWDOWN).all()
    assert r.fills["bar"].tolist() == [1, 4]
    assert int(r.orders["role"][-1]) == ROLE_RISK
    assert r.exposure[4:].max() == 0.0  # the +1 at bar 5 is ignored: latched


def test_freeze_keeps_the_position_but_stops_trading():
    bars = market(CLOSE, open=CLOSE)
    r = run([1, nan, nan, nan, 0, nan, nan, nan], bars, cash=1000.0,
            risk={"max_drawdown": 0.2, "halt_action": "freeze"})  # fmt: skip
    assert r.fills["bar"].tolist() == [1]  # the exit decision at bar 4 is not acted on
    assert r.equity[-1] == pytest.approx(1000.0)  # still long 10 units at 100
    assert not np.isnan(r.targets[4, 0])  # the strategy still decided (as it would live)


def test_daily_loss_halt_lifts_on_the_next_day():
    # 4 bars per day; a 30 % loss within day 0 halts for the rest of that day only
    ts = np.array([0, 1, 2, 3, 4, 5, 6, 7]) * (DAY // 4)
    bars = market(CLOSE, open=CLOSE)
    bars = type(bars)(**{**bars.__dict__, "ts": ts})
    r = run([1, nan, nan, nan, 1, nan, nan, nan], bars, cash=1000.0,
            risk={"max_daily_loss": 0.1})  # fmt: skip
    assert r.halt[3] == HALT_DAILY_LOSS and r.halt[4] == HALT_NONE
    assert r.fills["bar"].tolist() == [1, 4, 5]  # close-out at bar 4, re-entry from day 1


def test_consecutive_losses_halt_after_the_limit():
    close = [100.0, 100.0, 90.0, 90.0, 80.0, 80.0, 70.0, 70.0]
    bars = market(close, open=close)
    r = run([1, 0, 1, 0, 1, 0, 1, 0], bars, cash=10_000.0, risk={"max_consecutive_losses": 2})
    assert (r.trades["pnl"] < 0).sum() == 2
    assert r.halt[-1] == HALT_CONSEC_LOSSES


def test_volatility_halt_stops_a_wild_symbol():
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(np.r_[rng.normal(0, 0.001, 30), rng.normal(0, 0.08, 30)]))
    tg = np.full(60, nan)
    tg[5], tg[40] = 1.0, 1.0
    tg[20] = 0.0
    r = run(tg, market(close, open=close), risk={"max_volatility": 0.5}, stats_window=10)
    assert (r.halt[:30] == HALT_NONE).all() and (r.halt[45:] == HALT_VOLATILITY).all()
    assert r.fills["bar"].tolist() == [6, 21]  # the entry at bar 40 is refused
