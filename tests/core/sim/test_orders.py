"""Simulator scenarios, computed by hand: fill timing, order types, brackets, partial fills."""

import numpy as np
import pytest

from quant.backtest.bars import from_arrays
from quant.core.records import (
    ROLE_ENTRY,
    ROLE_EXIT,
    ROLE_STOP_LOSS,
    ROLE_TAKE_PROFIT,
    STATUS_CANCELLED,
    STATUS_FILLED,
    STATUS_REJECTED,
)
from tests.core.sim.helpers import DAY, market, nan, run

CLOSE = [10.0, 11.0, 12.0, 11.0, 10.0, 12.0, 13.0]


def test_default_timing_fills_a_decision_at_the_next_bars_open():
    r = run([nan, 1, nan, nan, 0, nan, nan], market(CLOSE))
    assert r.fills["bar"].tolist() == [2, 5]
    assert r.fills["price"].tolist() == [11.5, 11.5]  # opens of bars 2 and 5
    assert r.equity[1] == 10_000.0  # nothing traded on the decision bar
    assert r.equity[2] == pytest.approx(10_000 - 115 + 120)
    assert r.trades["pnl"].tolist() == [pytest.approx(0.0)]
    assert "t+1's open" in r.report["fill_timing"]


def test_next_close_and_same_close_timings():
    tg = [nan, 1, nan, nan, 0, nan, nan]
    nc = run(tg, market(CLOSE), fill_timing="next_close")
    sc = run(tg, market(CLOSE), fill_timing="same_close")
    assert (nc.fills["bar"].tolist(), nc.fills["price"].tolist()) == ([2, 5], [12.0, 12.0])
    assert (sc.fills["bar"].tolist(), sc.fills["price"].tolist()) == ([1, 4], [11.0, 10.0])
    assert sc.equity[1] == pytest.approx(10_000.0)
    assert sc.trades["pnl"][0] == pytest.approx(-10.0)


def test_fees_are_charged_per_fill_and_reduce_trade_pnl():
    r = run([nan, 1, nan, nan, 0, nan, nan], market(CLOSE), fees={"pct": 0.01, "fixed": 1.0})
    assert r.fills["fee"].tolist() == [pytest.approx(2.15), pytest.approx(2.15)]
    assert r.trades["pnl"][0] == pytest.approx(-4.3)
    assert r.equity[-1] == pytest.approx(10_000 - 4.3)


def test_limit_entry_waits_for_the_low_to_reach_the_limit():
    close = [100.0, 100.0, 99.0, 97.0, 96.0]
    low = [99.0, 99.0, 98.0, 95.5, 95.0]
    bars = market(close, open=close, high=np.array(close) + 1, low=low)
    r = run([1, nan, nan, nan, nan], bars, entry_order="limit", entry_offset=0.04)
    # limit = 100 * 0.96 = 96: bar 3's low 95.5 reaches it
    assert r.fills["bar"].tolist() == [3] and r.fills["price"][0] == pytest.approx(96.0)
    assert r.orders["type"][0] == 1 and r.orders["status"][0] == STATUS_FILLED


def test_day_limit_entry_expires_after_one_bar():
    close = [100.0, 100.0, 99.0, 97.0, 96.0]
    low = [99.0, 99.0, 98.0, 95.5, 95.0]
    bars = market(close, open=close, high=np.array(close) + 1, low=low)
    r = run(
        [1, nan, nan, nan, nan], bars, entry_order="limit", entry_offset=0.04, time_in_force="day"
    )
    assert len(r.fills) == 0
    assert r.orders["status"][0] == STATUS_CANCELLED and r.orders["end_bar"][0] == 1


def test_stop_entry_fills_at_the_stop_or_at_a_gap_open():
    close = [100.0, 101.0, 103.0, 110.0]
    opens = [100.0, 100.5, 101.0, 108.0]
    high = [100.5, 101.5, 104.0, 111.0]
    bars = market(close, open=opens, high=high, low=np.array(opens) - 1)
    r = run([1, nan, nan, nan], bars, entry_order="stop", entry_offset=0.02)
    assert r.fills["bar"].tolist() == [2] and r.fills["price"][0] == pytest.approx(102.0)
    r = run([nan, nan, 1, nan], bars, entry_order="stop", entry_offset=0.02)
    # stop = 103 * 1.02 = 105.06; bar 3 opens at 108 above it: fills at the open
    assert r.fills["bar"].tolist() == [3] and r.fills["price"][0] == pytest.approx(108.0)


def test_stop_loss_bracket_closes_the_position_at_the_stop():
    close = [100.0, 100.0, 100.0, 96.0, 97.0, 98.0]
    opens = [100.0, 100.0, 100.0, 99.0, 96.0, 97.0]
    low = [99.0, 99.0, 99.0, 94.0, 95.0, 96.0]
    bars = market(close, open=opens, high=np.maximum(opens, close) + 0.5, low=low)
    r = run([1, nan, nan, nan, nan, nan], bars, stop_loss=0.05)
    # entry at bar 1's open 100, stop 95 hit in bar 3 (low 94): exit at 95
    assert r.fills["bar"].tolist() == [1, 3]
    assert r.fills["price"].tolist() == [100.0, pytest.approx(95.0)]
    roles = dict(zip(r.orders["role"].tolist(), r.orders["status"].tolist(), strict=False))
    assert roles[ROLE_STOP_LOSS] == STATUS_FILLED
    assert r.trades["pnl"][0] == pytest.approx(-50.0)
    assert len(r.trades) == 1
    again = run([1, nan, nan, 1, nan, nan], bars, stop_loss=0.05)
    assert again.fills["bar"].tolist() == [1, 3, 4]  # a new +1 after the stop-out re-enters


def test_take_profit_bracket_sells_at_the_limit_and_cancels_the_stop():
    close = [100.0, 100.0, 104.0, 112.0, 111.0]
    opens = [100.0, 100.0, 101.0, 105.0, 111.0]
    high = [100.5, 100.5, 105.0, 113.0, 112.0]
    bars = market(close, open=opens, high=high, low=np.minimum(opens, close) - 0.5)
    r = run([1, nan, nan, nan, nan], bars, stop_loss=0.05, take_profit=0.1)
    assert r.fills["price"].tolist() == [100.0, pytest.approx(110.0)]
    by_role = {int(o["role"]): int(o["status"]) for o in r.orders}
    assert by_role[ROLE_TAKE_PROFIT] == STATUS_FILLED
    assert by_role[ROLE_STOP_LOSS] == STATUS_CANCELLED
    assert r.trades["pnl"][0] == pytest.approx(100.0)


def test_partial_fills_follow_the_participation_cap_and_the_remainder_keeps_working():
    bars = market([10.0] * 5, volume=[40.0] * 5)
    r = run([1, nan, nan, nan, nan], bars, participation=0.1)  # 4 units per bar, want 10
    assert r.fills["qty"].tolist() == [4.0, 4.0, 2.0]
    assert r.fills["bar"].tolist() == [1, 2, 3]
    assert r.orders["status"][0] == STATUS_FILLED and r.orders["filled_qty"][0] == 10.0


def test_day_time_in_force_cancels_the_unfilled_remainder():
    bars = market([10.0] * 5, volume=[40.0] * 5)
    r = run([1, nan, nan, nan, nan], bars, participation=0.1, time_in_force="day")
    assert r.fills["qty"].tolist() == [4.0]
    assert r.orders["status"][0] == STATUS_CANCELLED and r.orders["filled_qty"][0] == 4.0


def test_short_position_profits_when_the_price_falls():
    close = [100.0, 100.0, 90.0, 80.0, 80.0]
    bars = market(close, open=close)
    r = run([-1, nan, 0, nan, nan], bars, allow_short=True)
    assert r.fills["side"].tolist() == [-1, 1]
    assert r.trades["side"][0] == -1 and r.trades["pnl"][0] == pytest.approx(200.0)
    assert r.equity[-1] == pytest.approx(10_200.0)


def test_short_target_without_allow_short_only_exits():
    r = run([nan, 1, nan, -1, nan, nan, nan], market(CLOSE))
    assert r.fills["side"].tolist() == [1, -1]
    assert {int(x) for x in r.orders["role"]} == {ROLE_ENTRY, ROLE_EXIT}


def test_flip_closes_then_opens_the_opposite_position():
    close = [100.0, 100.0, 110.0, 110.0, 100.0]
    r = run([1, nan, -1, 0, nan], market(close, open=close), allow_short=True)
    assert r.fills["side"].tolist() == [1, -1, -1, 1]
    assert r.trades["side"].tolist() == [1, -1]
    # long 10 @100 -> sold @110 (bar 3 open); short 10 @110 -> covered @100 (bar 4)
    assert r.trades["pnl"].tolist() == [pytest.approx(100.0), pytest.approx(100.0)]


def test_buying_never_spends_more_cash_than_there_is():
    close = [100.0, 100.0, 150.0, 150.0]
    opens = [100.0, 100.0, 150.0, 150.0]
    r = run([1, nan, nan, nan], market(close, open=[100, 150, 150, 150]), cash=1000.0,
            sizing={"rule": "fraction", "value": 1.0}, fees={"pct": 0.01})  # fmt: skip
    # sized at the decision close (10 units at 100) but the open gapped to 150
    qty, price, fee = r.fills["qty"][0], r.fills["price"][0], r.fills["fee"][0]
    assert qty * price + fee == pytest.approx(1000.0)
    assert qty < 10.0 and r.equity.min() > 0
    assert r.orders["status"][0] == STATUS_CANCELLED  # the unaffordable rest is cancelled
    assert len(r.fills) == 1
    assert opens  # the plain list documents the gap


def test_position_and_exposure_limits_cap_entries_and_record_refusals():
    close = [100.0] * 6
    two = market(close, open=close)
    r = run([1, nan, nan, nan, nan, nan], two, cash=10_000.0,
            sizing={"rule": "fraction", "value": 1.0}, risk={"max_position": 0.25})  # fmt: skip
    assert r.fills["qty"].tolist() == [pytest.approx(25.0)]  # 25 % of 10,000 at 100
    c2 = np.full((6, 2), 100.0)
    pair = from_arrays(np.arange(6) * DAY, c2, c2, c2 + 1, c2 - 1, np.full((6, 2), 1e6))
    r = run([1, nan, nan, nan, nan, nan], [1, nan, nan, nan, nan, nan], pair, cash=10_000.0,
            sizing={"rule": "fraction", "value": 0.5}, risk={"max_exposure": 0.5})  # fmt: skip
    # symbol 0 takes the whole 50 % exposure budget; symbol 1's entry is refused and recorded
    assert r.fills["symbol"].tolist() == [0] and r.fills["qty"][0] == pytest.approx(50.0)
    assert r.orders["status"].tolist() == [STATUS_FILLED, STATUS_REJECTED]
