"""The simulator: a per-bar loop over one or many symbols around a strategy's decision function.

Per bar t (all symbols): (1) working orders placed before t try to fill within bar t
(``fills.fill_order_detail``); (2) positions are marked at the close: ``equity = cash + sum(pos *
close)``; (3) account HALT conditions are evaluated (``quant.core.risk.limits``); (4) the
strategy's ``decide(features[t, s], position, state[s], params)`` runs for every symbol with a
bar at t, and a change of direction becomes orders sized by ``quant.core.risk.sizing`` and
capped by the position/exposure limits; (5) with ``FILL_SAME_CLOSE`` the new market orders fill
at bar t's close. So by default a decision at t's close can only trade from t+1 on.

Decisions: a target of +1/-1 asks for a long/short position (its magnitude in (0, 1] scales
the size), 0 asks to be flat, NaN means "no decision". Only a change of direction trades.

A change of direction (intent) applies one rule in one place (``intent.cancel_stale``): every
working order that no longer serves the new intent is cancelled, whatever its role. An entry
serves while it trades toward the intent, an exit while the position points away from it,
a stop-loss / take-profit while the position is the one the intent holds. What is missing
is then added (an exit for a position against the intent, brackets for a position the
intent keeps, an entry for the rest of the size). Within a bar a symbol's orders share one
participation budget (``participation * volume``, also across the two fill passes of a
``same_close`` bar), taken in the order exit, entry, stop, target, so an entry waits until
the exit before it is done and never trades through zero.

``book``, ``acct``, the strategy ``state`` and the record arrays are in/out, and records carry
absolute bar numbers (``acct[A_BAR0]`` + local index), so a later call on the next bars
continues exactly where the last one stopped (the live driver resumes this way).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from numba import types

from quant.core.jit import function_key, njit, njit_closure
from quant.core.records import (
    ORDER_MARKET,
    ROLE_ENTRY,
    ROLE_STOP_LOSS,
    ROLE_TAKE_PROFIT,
    STATUS_REJECTED,
    STATUS_WORKING,
    TIF_GTC,
)
from quant.core.risk.limits import account_halt, volatility_halt
from quant.core.sim.book import apply_fill, cancel_if_working, mark_filled
from quant.core.sim.fills import cap_to_cash, fill_order_detail
from quant.core.sim.intent import (
    act_on_target,
    halt_symbol,
    pending_entry,
    refresh_brackets,
    sign,
    stat_row,
)
from quant.core.sim.layout import (
    A_BAR0,
    A_CASH,
    A_CONSEC,
    A_DAY_START,
    A_EQUITY,
    A_HALT,
    A_LAST_DAY,
    A_N_CLAMPED,
    A_N_FILLS,
    A_N_ORDERS,
    A_N_TRADES,
    A_OVERFLOW,
    A_PEAK,
    B_INTENT,
    B_LAST_CLOSE,
    B_POS,
    B_SLOT_ENTRY,
    B_SLOT_EXIT,
    B_SLOT_SL,
    B_SLOT_TP,
    B_VOL_HALTED,
    C_CLAMP,
    C_FEE_FIXED,
    C_FEE_MIN,
    C_FEE_PCT,
    C_FILL_TIMING,
    C_HALT_ACTION,
    C_MAX_CONSEC,
    C_MAX_DAILY_LOSS,
    C_MAX_DRAWDOWN,
    C_MAX_EXPOSURE,
    C_PARTICIPATION,
    C_PPY,
    C_VOL_HALT,
    F8_1D,
    F8_2D,
    FILL_NEXT_OPEN,
    FILL_SAME_CLOSE,
    FILLS_T,
    HALT_ACTION_CLOSE,
    HALT_DAILY_LOSS,
    HALT_NONE,
    HALT_VOLATILITY,
    K_SLIP_MODEL,
    K_SLIP_PARAM,
    ORDERS_T,
    SLOTS,
    TRADES_T,
    DecideType,
)
from quant.core.sim.views import borrowed, borrowed_row, prefetch, unlikely

_EPS = 1e-9
#: Free record rows per symbol the loop wants before each bar (one bar writes far fewer).
ROOM_PER_SYMBOL = 16
_PER_LINE = 8  # float64 values per 64-byte cache line: one prefetch covers 8 symbols


@njit
def _mark(book: np.ndarray, acct: np.ndarray) -> tuple[float, float]:
    """(equity, gross exposure) at the last closes."""
    eq = acct[A_CASH]
    gross = 0.0
    for s in range(book.shape[0]):
        p = book[s, B_POS]
        if p != 0.0:
            val = p * book[s, B_LAST_CLOSE]
            eq += val
            gross += abs(val)
    return eq, gross


@njit
def _process_orders(bars, stats, cfg, costs, orders, fills, trades, book, acct, s, t, same, used):
    """Let the symbol's working orders trade against bar t (``same``: only new market orders).

    ``used[s]``: units the symbol already traded in bar t (its participation budget is shared
    by every order and by both calls of a ``same_close`` bar).
    """
    o_, h_, l_, c_, v_ = bars
    sigma, adv = stats[0], stats[2]
    at_close = int(cfg[C_FILL_TIMING]) != FILL_NEXT_OPEN
    k = t
    tb = t + int(acct[A_BAR0])  # absolute bar number (records; resumable runs)
    r = stat_row(sigma, k)
    sig = sigma[r, s]
    ad = adv[r, s]
    cost = (
        cfg[C_PARTICIPATION],
        costs[s, K_SLIP_MODEL],
        costs[s, K_SLIP_PARAM],
        sig,
        ad,
        cfg[C_FEE_PCT],
        cfg[C_FEE_FIXED],
        cfg[C_FEE_MIN],
    )
    bar = (o_[t, s], h_[t, s], l_[t, s], c_[t, s], v_[t, s])
    clamp = cfg[C_CLAMP] != 0.0
    part = cfg[C_PARTICIPATION]
    vol = v_[t, s]
    budget = (part * vol if vol > 0.0 else 0.0) if part > 0.0 else math.inf
    budget -= used[s]
    for slot in SLOTS:
        row = int(book[s, slot])
        if row < 0:
            continue
        od = orders[row]
        if od["status"] != STATUS_WORKING:
            book[s, slot] = -1.0
            continue
        if same:
            if od["bar"] != tb or od["type"] != ORDER_MARKET:
                continue
        elif od["bar"] >= tb:
            continue
        side = float(od["side"])
        pos = book[s, B_POS]
        remaining = od["qty"] - od["filled_qty"]
        if od["role"] != ROLE_ENTRY:
            # exits and bracket children only ever reduce the current position
            if pos == 0.0 or sign(pos) == side:
                cancel_if_working(orders, row, tb)
                book[s, slot] = -1.0
                continue
            remaining = min(remaining, abs(pos))
        remaining = min(remaining, budget)
        order = (side, remaining, float(od["type"]), od["limit_price"], od["stop_price"])
        qty, price, fee, slip, clamped = fill_order_detail(order, bar, cost, at_close, clamp)
        capped = False
        if qty > 0.0 and side > 0.0 and pos >= 0.0:  # never buy more than the cash allows
            qty, fee, slip, capped = cap_to_cash(
                qty, price, fee, slip, acct[A_CASH], cfg[C_FEE_PCT], cfg[C_FEE_FIXED],
                cfg[C_FEE_MIN],
            )  # fmt: skip
            if capped and qty <= 0.0:
                cancel_if_working(orders, row, tb)
                orders[row]["status"] = STATUS_REJECTED
                book[s, slot] = -1.0
                continue
        if qty > 0.0:
            budget -= qty
            used[s] += qty
            if clamped:
                acct[A_N_CLAMPED] += 1.0
            apply_fill(orders, fills, trades, book, acct, row, tb, qty, price, fee, slip)
            flat = book[s, B_POS] == 0.0
            if od["qty"] - od["filled_qty"] <= _EPS * od["qty"] or (flat and od["role"] != 0):
                mark_filled(orders, row, tb)
                book[s, slot] = -1.0
            if flat and (od["role"] == ROLE_STOP_LOSS or od["role"] == ROLE_TAKE_PROFIT):
                book[s, B_INTENT] = 0.0  # stopped out: wait for the strategy's next entry
            refresh_brackets(orders, book, acct, cfg, s, tb)
        if od["status"] == STATUS_WORKING and (
            capped or (od["role"] == ROLE_ENTRY and od["tif"] != TIF_GTC)
        ):
            # out of cash, or DAY / IOC: the unfilled remainder is cancelled with the bar
            cancel_if_working(orders, row, tb)
            book[s, slot] = -1.0


@njit
def _store(acct, last_day, day_start, peak, equity, code):
    """Write the account scalars the loop keeps in locals back to ``acct``."""
    acct[A_LAST_DAY], acct[A_DAY_START], acct[A_PEAK] = last_day, day_start, peak
    acct[A_EQUITY], acct[A_HALT] = equity, code


_SIG = types.int64(
    DecideType,
    types.UniTuple(F8_2D, 5),
    types.UniTuple(F8_2D, 3),
    types.int64[::1],
    types.float64[:, :, ::1],
    F8_1D,
    F8_2D,
    F8_1D,
    F8_2D,
    types.Tuple((ORDERS_T, FILLS_T, TRADES_T, F8_2D, F8_1D)),
    types.Tuple((F8_1D, F8_1D, F8_2D, types.int8[::1])),
)


class Plan(NamedTuple):
    """Which optional parts of the loop a configuration uses (compile-time constants).

    A part switched off is one whose code would do nothing for that configuration, so a
    loop compiled without it gives identical results (``tests/core/sim/test_specialised.py``).
    Two switches, so at most four loops per strategy are ever compiled (each costs a few
    seconds once): the risk rules go in or out together.
    """

    same_close: bool  # C_FILL_TIMING == FILL_SAME_CLOSE: a second fill pass at the close
    # any risk rule of the loop: the account HALT limits (daily loss, drawdown, losing
    # streak), the per-symbol volatility HALT, working entries counted toward exposure
    risk: bool


#: the general loop: every part compiled in, whatever the configuration
FULL_PLAN = Plan(True, True)


def plan_for(cfg: np.ndarray) -> Plan:
    """The parts of the loop the config vector ``cfg`` (layout ``C_*``) needs."""
    rules = (C_MAX_DAILY_LOSS, C_MAX_DRAWDOWN, C_MAX_CONSEC, C_VOL_HALT, C_MAX_EXPOSURE)
    return Plan(
        same_close=int(cfg[C_FILL_TIMING]) == FILL_SAME_CLOSE,
        risk=bool(max(cfg[r] for r in rules) > 0.0),
    )


def _loop(call_decide, plan: Plan):
    """The bar loop's source, with the decision call and the plan's parts fixed (see module doc).

    ``call_decide(decide, feat_row, position, state_row, params)`` is how a decision is made:
    the first-class ``decide`` argument (general loop) or one strategy's function compiled in
    (specialised loop, which numba can inline). ``plan`` fields become constants, so the code
    of a part switched off is dropped by the compiler.
    """
    same_close, risk = plan

    def simulate(decide, bars, stats, day, feats, params, state, cfg, costs, book_io, out):
        """Run the bar loop; returns -1 when done, or the bar it paused before for record room."""
        # uncounted views of the arguments (alive for the whole call): the helpers called on
        # every order event then do no atomic reference counting on entry and exit
        bars = (
            borrowed(bars[0]), borrowed(bars[1]), borrowed(bars[2]), borrowed(bars[3]),
            borrowed(bars[4]),
        )  # fmt: skip
        stats = (borrowed(stats[0]), borrowed(stats[1]), borrowed(stats[2]))
        c_ = bars[3]
        orders, fills, trades = borrowed(book_io[0]), borrowed(book_io[1]), borrowed(book_io[2])
        book, acct = borrowed(book_io[3]), borrowed(book_io[4])
        cfg, costs = borrowed(cfg), borrowed(costs)
        equity, exposure, targets, halt = out
        n, n_sym = c_.shape
        n_feat = feats.shape[2]
        n_state = state.shape[1]
        close_out = int(cfg[C_HALT_ACTION]) == HALT_ACTION_CLOSE
        at_close = int(cfg[C_FILL_TIMING]) == FILL_SAME_CLOSE
        # config read once: a read inside the loop is redone after every store (aliasing)
        max_daily, max_dd = cfg[C_MAX_DAILY_LOSS], cfg[C_MAX_DRAWDOWN]
        max_consec = cfg[C_MAX_CONSEC]
        max_exp, max_vol, ppy = cfg[C_MAX_EXPOSURE], cfg[C_VOL_HALT], cfg[C_PPY]
        b0 = int(acct[A_BAR0])
        # account scalars only this loop reads and writes: locals, stored back on return
        last_day, day_start, peak = acct[A_LAST_DAY], acct[A_DAY_START], acct[A_PEAK]
        eq_last, code = acct[A_EQUITY], int(acct[A_HALT])
        room = ROOM_PER_SYMBOL * n_sym
        used = np.zeros(n_sym)  # units traded per symbol within the current bar
        for t in range(n):
            if unlikely(
                orders.shape[0] - acct[A_N_ORDERS] < room
                or fills.shape[0] - acct[A_N_FILLS] < room
                or trades.shape[0] - acct[A_N_TRADES] < room
            ):
                acct[A_BAR0] = b0 + t  # pause before bar t: the driver grows the records
                _store(acct, last_day, day_start, peak, eq_last, code)
                return t
            # the bar data and record rows an order event would touch, a few bars ahead (only
            # the close is read every bar, so the hardware would not stream the others)
            ahead = (t + 16) * n_sym
            for s in range(0, n_sym, _PER_LINE):
                prefetch(bars[0], ahead + s, False)
                prefetch(bars[1], ahead + s, False)
                prefetch(bars[2], ahead + s, False)
                prefetch(bars[4], ahead + s, False)
            prefetch(orders, int(acct[A_N_ORDERS]) + 1, True)
            prefetch(fills, int(acct[A_N_FILLS]) + 1, True)
            prefetch(trades, int(acct[A_N_TRADES]) + 1, True)
            new_day = day[t] != last_day
            if new_day:
                day_start, last_day = eq_last, day[t]
            for s in range(n_sym):
                c = c_[t, s]
                if unlikely(math.isnan(c)):
                    continue
                used[s] = 0.0
                if unlikely(
                    book[s, B_SLOT_EXIT] >= 0.0
                    or book[s, B_SLOT_ENTRY] >= 0.0
                    or book[s, B_SLOT_SL] >= 0.0
                    or book[s, B_SLOT_TP] >= 0.0
                ):
                    _process_orders(
                        bars, stats, cfg, costs, orders, fills, trades, book, acct, s, t, False,
                        used,
                    )  # fmt: skip
                book[s, B_LAST_CLOSE] = c
            eq, gross = _mark(book, acct)
            peak = max(peak, eq)
            before = code
            if risk:
                code = account_halt(
                    before, new_day, eq, day_start, peak, acct[A_CONSEC],
                    max_daily, max_dd, max_consec,
                )  # fmt: skip
            elif code == HALT_DAILY_LOSS and new_day:  # what account_halt does without limits
                code = HALT_NONE
            if unlikely(code != HALT_NONE and before == HALT_NONE):
                for s in range(n_sym):
                    halt_symbol(orders, book, acct, s, t + b0, close_out)
            bar_halt = code
            committed = gross
            if risk and max_exp > 0.0:
                for s in range(n_sym):
                    committed += pending_entry(orders, book, s, book[s, B_LAST_CLOSE])
            for s in range(n_sym):
                c = c_[t, s]
                if math.isnan(c):
                    targets[t, s] = math.nan
                    continue
                f_row = borrowed_row(feats, (t * n_sym + s) * n_feat)  # feats[t, s], state[s]
                s_row = borrowed_row(state, s * n_state)
                tgt = call_decide(decide, f_row, book[s, B_POS], s_row, params)
                targets[t, s] = tgt
                if risk:
                    sig = stats[0][stat_row(stats[0], t), s]
                    if volatility_halt(sig, ppy, max_vol):
                        if book[s, B_VOL_HALTED] == 0.0:
                            book[s, B_VOL_HALTED] = 1.0
                            halt_symbol(orders, book, acct, s, t + b0, close_out)
                        if bar_halt == HALT_NONE:
                            bar_halt = HALT_VOLATILITY
                        continue
                    book[s, B_VOL_HALTED] = 0.0
                if not unlikely(code == HALT_NONE and not math.isnan(tgt)):
                    continue  # no decision (most bars), or trading halted
                committed += act_on_target(
                    stats, cfg, costs, orders, book, acct, s, t, tgt, c, eq, committed
                )
            if same_close and at_close:
                for s in range(n_sym):
                    if not math.isnan(c_[t, s]):
                        _process_orders(
                            bars, stats, cfg, costs, orders, fills, trades, book, acct, s, t,
                            True, used,
                        )  # fmt: skip
                eq, gross = _mark(book, acct)
            eq_last = eq
            equity[t] = eq
            exposure[t] = gross / eq if eq > 0.0 else math.nan
            halt[t] = bar_halt
            if unlikely(acct[A_OVERFLOW] != 0.0):
                _store(acct, last_day, day_start, peak, eq_last, code)
                return t
        acct[A_BAR0] = b0 + n
        _store(acct, last_day, day_start, peak, eq_last, code)
        return -1

    return simulate


def _call_argument(decide, feat, position, state, params):
    """The general loop's decision: the first-class function passed in."""
    return decide(feat, position, state, params)


@functools.cache
def _general():
    """The general loop, compiled on first use for the explicit signature ``_SIG``."""
    call = njit(inline="always", cache=False)(_call_argument)
    return njit_closure(_loop(call, FULL_PLAN), "general", _SIG)


def simulate(decide, bars, stats, day, feats, params, state, cfg, costs, book_io, out) -> int:
    """Run the bar loop; returns -1 when done, or the bar it paused before for record room.

    The general loop: every part compiled in, ``decide`` a first-class function of type
    ``DecideType``, so one compiled loop serves every strategy (the live job calls it).

    It pauses before a bar when any record array has fewer than ``ROOM_PER_SYMBOL * S`` free
    rows (more than one bar can write); the caller grows the arrays and calls again with the
    remaining bars (state, book and records carry over), so no run ever loses a record.

    bars = (open, high, low, close, volume), stats = (sigma, mu, adv), each float64[n, S]
    (or float64[1, S] of NaN when no rule of the config uses them; each array on its own);
    day: int64[n] trading-day number (daily-loss reset); feats: float64[n, S, K];
    state: float64[S, n_state] (strategy state, in/out); cfg: float64[N_CFG];
    costs: float64[S, N_COST]; book_io = (orders, fills, trades, book, acct) (in/out);
    out = (equity[n], exposure[n], targets[n, S], halt[n]).
    """
    return _general()(decide, bars, stats, day, feats, params, state, cfg, costs, book_io, out)


@functools.cache
def specialised(decide, plan: Plan):
    """``simulate`` compiled for one strategy's ``decide`` and one ``plan`` (same arguments,
    ``decide`` ignored): the decision is a direct call numba can inline and the parts the
    plan switches off are not compiled in. Compiled on first call, cached on disk."""

    def call_fixed(_decide, feat, position, state, params):
        return decide(feat, position, state, params)

    call = njit(inline="always", cache=False)(call_fixed)
    name = function_key(decide)  # None: no source file, so no disk cache (names could clash)
    return njit_closure(_loop(call, plan), name and f"{name}|{plan}")


def record_counts(acct: np.ndarray) -> tuple[int, int, int]:
    """(orders, fills, trades) written so far according to ``acct``."""
    return int(acct[A_N_ORDERS]), int(acct[A_N_FILLS]), int(acct[A_N_TRADES])
