"""A change of intent cancels every working order that no longer serves it.

Scenario tests computed by hand, then parity with an independent plain-Python reference
written here: under a participation cap the position moves toward ``direction * units`` by at
most ``participation * volume`` per bar, whatever flips of intent happen while an order works.
"""

import math

import numpy as np
import pytest

from quant.core.records import (
    ROLE_ENTRY,
    ROLE_EXIT,
    STATUS_CANCELLED,
    STATUS_FILLED,
    STATUS_WORKING,
)
from tests.core.sim.helpers import market, nan, run


def positions(r, n):
    """Signed position after each bar, rebuilt from the fills."""
    pos = np.zeros(n)
    for f in r.fills:
        pos[f["bar"] :] += f["side"] * f["qty"]
    return pos


def test_flat_then_long_again_cancels_the_partly_filled_exit():
    # 4 units per bar (participation 0.1 of volume 40); fixed size 10 units
    bars = market([10.0] * 9, volume=[40.0] * 9)
    r = run([1, nan, nan, 0, 1, nan, nan, nan, nan], bars, participation=0.1)
    # entry 4, 4, 2 (bars 1-3); exit sells 4 at bar 4; back long at bar 4: buy the 4 missing
    assert r.fills["side"].tolist() == [1, 1, 1, -1, 1]
    assert r.fills["qty"].tolist() == [4.0, 4.0, 2.0, 4.0, 4.0]
    assert r.fills["bar"].tolist() == [1, 2, 3, 4, 5]
    assert positions(r, 9)[-1] == 10.0  # back at the target size
    exits = r.orders[r.orders["role"] == ROLE_EXIT]
    assert exits["status"].tolist() == [STATUS_CANCELLED] and exits["end_bar"][0] == 4
    assert exits["filled_qty"][0] == 4.0
    no_bar_buys_and_sells = {
        b for b in r.fills["bar"] if len(set(r.fills["side"][r.fills["bar"] == b])) > 1
    }
    assert not no_bar_buys_and_sells


def test_long_then_flat_cancels_the_partly_filled_entry_and_exits_what_was_bought():
    bars = market([10.0] * 6, volume=[40.0] * 6)
    r = run([1, 0, nan, nan, nan, nan], bars, participation=0.1)
    assert r.fills["side"].tolist() == [1, -1]
    assert r.fills["qty"].tolist() == [4.0, 4.0]
    entry = r.orders[r.orders["role"] == ROLE_ENTRY][0]
    assert entry["status"] == STATUS_CANCELLED and entry["filled_qty"] == 4.0


def test_an_exit_that_still_serves_the_new_intent_keeps_working():
    # long -> flat (exit works, 4 per bar) -> short: the same exit keeps reducing the long,
    # and the short entry only takes the bar volume the exit leaves
    bars = market([10.0] * 11, volume=[40.0] * 11)
    tg = [1, nan, nan, nan, 0, -1, nan, nan, nan, nan, nan]
    r = run(tg, bars, participation=0.1, allow_short=True)
    exits = r.orders[r.orders["role"] == ROLE_EXIT]
    assert len(exits) == 1 and exits["status"][0] == STATUS_FILLED
    assert exits["filled_qty"][0] == 10.0
    assert r.fills["qty"].tolist() == [4.0, 4.0, 2.0, 4.0, 4.0, 2.0, 2.0, 4.0, 4.0]
    assert positions(r, 11).tolist() == [0, 4, 8, 10, 10, 6, 2, -2, -6, -10, -10]


def test_brackets_are_restored_when_the_intent_returns_to_the_open_position():
    bars = market([100.0] * 8, volume=[40.0] * 8)
    r = run([1, nan, nan, 0, 1, nan, nan, nan], bars, participation=0.1, stop_loss=0.05)
    working = r.orders[r.orders["status"] == STATUS_WORKING]
    assert positions(r, 8)[-1] == 10.0
    # exactly one working stop covering the whole position at the end
    assert len(working) == 1 and working["qty"][0] - working["filled_qty"][0] == 10.0


# --- parity with an independent reference ---------------------------------------------------


def reference(bars, targets, units, participation, fee_pct, slip_bps, cash, timing="next_open"):
    """Plain Python: trade toward ``direction * units``, at most ``participation * volume``
    units a bar.

    Returns (fills as (bar, side, qty, price, fee), equity per bar). A decision at bar t's
    close (non-NaN target whose direction differs from the last acted one) moves the wanted
    position; trading happens from bar t+1 on, at its open (``next_open``) or close
    (``next_close``), or already at bar t's close (``same_close``, with what is left of
    the bar's volume budget).
    """
    close, opens, volume = bars
    pos, intent, wanted = 0.0, 0.0, 0.0
    fills, equity = [], []

    def trade(t, price_ref, budget):
        nonlocal cash, pos
        gap = wanted - pos
        qty = min(abs(gap), budget)
        if gap == 0.0 or qty <= 0.0:
            return budget
        side = 1.0 if gap > 0 else -1.0
        price = price_ref * (1.0 + side * slip_bps * 1e-4)
        fee = fee_pct * qty * price
        cash -= side * qty * price + fee
        pos += side * qty
        fills.append((t, side, qty, price, fee))
        return budget - qty

    for t in range(len(close)):
        budget = participation * volume[t]
        budget = trade(t, opens[t] if timing == "next_open" else close[t], budget)
        tg = targets[t]
        if not math.isnan(tg):
            d = 0.0 if tg == 0.0 else math.copysign(1.0, tg)
            if d != intent:
                intent, wanted = d, d * units
        if timing == "same_close":
            trade(t, close[t], budget)
        equity.append(cash + pos * close[t])
    return by_bar_and_side(fills), np.array(equity)


def random_case(seed, choices, n=150):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    opens = close * np.exp(rng.normal(0, 0.005, n))
    volume = 4.0 * rng.integers(0, 9, n)  # caps of 0..8 units a bar (some bars trade nothing)
    targets = rng.choice([nan, nan, *choices], size=n)
    return close, opens, volume, targets


def by_bar_and_side(fills):
    """Fills summed per (bar, side): an exit and the entry after it in one bar are one trade."""
    out: dict = {}
    for f in fills:
        key = (int(f[0]), float(f[1]))
        qty, price, fee = out.get(key, (0.0, f[3], 0.0))
        out[key] = (qty + f[2], price, fee + f[4])
    return [(*k, *v) for k, v in sorted(out.items())]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("choices", [(1.0, 0.0), (-1.0, 0.0), (1.0, -1.0, 0.0), (1.0, -1.0)])
@pytest.mark.parametrize("costs", [(0.0, 0.0), (0.001, 3.0)])
@pytest.mark.parametrize("timing", ["next_open", "next_close", "same_close"])
def test_partial_fills_with_intent_flips_match_the_reference(seed, choices, costs, timing):
    fee_pct, slip_bps = costs
    close, opens, volume, targets = random_case(seed, choices)
    r = run(
        targets,
        market(close, open=opens, volume=volume),
        cash=1e6,
        participation=0.25,
        allow_short=True,
        fill_timing=timing,
        fees={"pct": fee_pct},
        slippage={"model": "constant", "param": slip_bps} if slip_bps else {"model": "none"},
    )
    bars = (close, opens, volume)
    fills, equity = reference(bars, targets, 10.0, 0.25, fee_pct, slip_bps, 1e6, timing)
    got = by_bar_and_side([(f["bar"], f["side"], f["qty"], f["price"], f["fee"]) for f in r.fills])
    assert len(got) == len(fills) > 10
    for g, w in zip(got, fills, strict=True):
        assert g[:3] == w[:3]
        assert g[3:] == pytest.approx(w[3:], rel=1e-12)
    np.testing.assert_allclose(r.equity, equity, rtol=1e-12)
