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

import math

import numpy as np
from numba import types

from quant.core.jit import njit
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
    HALT_NONE,
    HALT_VOLATILITY,
    K_SLIP_MODEL,
    K_SLIP_PARAM,
    ORDERS_T,
    SLOTS,
    TRADES_T,
    DecideType,
)
from quant.core.sim.views import borrowed_row

_EPS = 1e-9
#: Free record rows per symbol the loop wants before each bar (one bar writes far fewer).
ROOM_PER_SYMBOL = 16


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


@njit(_SIG)
def simulate(decide, bars, stats, day, feats, params, state, cfg, costs, book_io, out):
    """Run the bar loop; returns -1 when done, or the bar it paused before for record room.

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
    c_ = bars[3]
    orders, fills, trades, book, acct = book_io
    equity, exposure, targets, halt = out
    n, n_sym = c_.shape
    n_feat = feats.shape[2]
    n_state = state.shape[1]
    timing = int(cfg[C_FILL_TIMING])
    close_out = int(cfg[C_HALT_ACTION]) == HALT_ACTION_CLOSE
    b0 = int(acct[A_BAR0])
    room = ROOM_PER_SYMBOL * n_sym
    used = np.zeros(n_sym)  # units traded per symbol within the current bar
    for t in range(n):
        if (
            orders.shape[0] - acct[A_N_ORDERS] < room
            or fills.shape[0] - acct[A_N_FILLS] < room
            or trades.shape[0] - acct[A_N_TRADES] < room
        ):
            acct[A_BAR0] = b0 + t  # pause before bar t: the driver grows the records, resumes
            return t
        new_day = day[t] != acct[A_LAST_DAY]
        if new_day:
            acct[A_DAY_START] = acct[A_EQUITY]
            acct[A_LAST_DAY] = day[t]
        for s in range(n_sym):
            c = c_[t, s]
            if math.isnan(c):
                continue
            used[s] = 0.0
            if (
                book[s, B_SLOT_EXIT] >= 0.0
                or book[s, B_SLOT_ENTRY] >= 0.0
                or book[s, B_SLOT_SL] >= 0.0
                or book[s, B_SLOT_TP] >= 0.0
            ):
                _process_orders(
                    bars, stats, cfg, costs, orders, fills, trades, book, acct, s, t, False, used
                )
            book[s, B_LAST_CLOSE] = c
        eq, gross = _mark(book, acct)
        acct[A_PEAK] = max(acct[A_PEAK], eq)
        before = int(acct[A_HALT])
        code = account_halt(
            before, new_day, eq, acct[A_DAY_START], acct[A_PEAK], acct[A_CONSEC],
            cfg[C_MAX_DAILY_LOSS], cfg[C_MAX_DRAWDOWN], cfg[C_MAX_CONSEC],
        )  # fmt: skip
        acct[A_HALT] = code
        if code != HALT_NONE and before == HALT_NONE:
            for s in range(n_sym):
                halt_symbol(orders, book, acct, s, t + b0, close_out)
        bar_halt = code
        committed = gross
        if cfg[C_MAX_EXPOSURE] > 0.0:
            for s in range(n_sym):
                committed += pending_entry(orders, book, s, book[s, B_LAST_CLOSE])
        for s in range(n_sym):
            c = c_[t, s]
            if math.isnan(c):
                targets[t, s] = math.nan
                continue
            f_row = borrowed_row(feats, (t * n_sym + s) * n_feat)  # feats[t, s], state[s]
            tgt = decide(f_row, book[s, B_POS], borrowed_row(state, s * n_state), params)
            targets[t, s] = tgt
            vh = volatility_halt(stats[0][stat_row(stats[0], t), s], cfg[C_PPY], cfg[C_VOL_HALT])
            if vh:
                if book[s, B_VOL_HALTED] == 0.0:
                    book[s, B_VOL_HALTED] = 1.0
                    halt_symbol(orders, book, acct, s, t + b0, close_out)
                if bar_halt == HALT_NONE:
                    bar_halt = HALT_VOLATILITY
                continue
            book[s, B_VOL_HALTED] = 0.0
            if code != HALT_NONE or math.isnan(tgt):
                continue
            committed += act_on_target(
                stats, cfg, costs, orders, book, acct, s, t, tgt, c, eq, committed
            )
        if timing == FILL_SAME_CLOSE:
            for s in range(n_sym):
                if not math.isnan(c_[t, s]):
                    _process_orders(
                        bars, stats, cfg, costs, orders, fills, trades, book, acct, s, t, True, used
                    )
            eq, gross = _mark(book, acct)
        acct[A_EQUITY] = eq
        equity[t] = eq
        exposure[t] = gross / eq if eq > 0.0 else math.nan
        halt[t] = bar_halt
        if acct[A_OVERFLOW] != 0.0:
            return t
    acct[A_BAR0] = b0 + n
    return -1


def record_counts(acct: np.ndarray) -> tuple[int, int, int]:
    """(orders, fills, trades) written so far according to ``acct``."""
    return int(acct[A_N_ORDERS]), int(acct[A_N_FILLS]), int(acct[A_N_TRADES])
