"""The simulator: a per-bar loop over one or many symbols around a strategy's decision function.

Per bar t (all symbols): (1) working orders placed before t try to fill within bar t
(``fills.fill_order``); (2) positions are marked at the close: ``equity = cash + sum(pos *
close)``; (3) account HALT conditions are evaluated (``quant.core.risk.limits``); (4) the
strategy's ``decide(features[t, s], position, state[s], params)`` runs for every symbol with a
bar at t, and a change of direction becomes orders sized by ``quant.core.risk.sizing`` and
capped by the position/exposure limits; (5) with ``FILL_SAME_CLOSE`` the new market orders fill
at bar t's close. So by default a decision at t's close can only trade from t+1 on.

Decisions: a target of +1/-1 asks for a long/short position (its magnitude in (0, 1] scales
the size), 0 asks to be flat, NaN means "no decision". Only a change of direction trades.

A change of direction (intent) applies one rule in one place (``_cancel_stale``): every
working order that no longer serves the new intent is cancelled, whatever its role. An entry
serves while it trades toward the intent, an exit while the position points away from it,
a stop-loss / take-profit while the position is the one the intent holds. What is missing
is then added (an exit for a position against the intent, brackets for a position the
intent keeps, an entry for the rest of the size). Within a bar a symbol's orders share one
participation budget (``participation * volume``), taken in the order exit, entry, stop,
target, so an entry waits until the exit before it is done and never trades through zero.

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
    ORDER_LIMIT,
    ORDER_MARKET,
    ORDER_STOP,
    ROLE_ENTRY,
    ROLE_EXIT,
    ROLE_RISK,
    ROLE_STOP_LOSS,
    ROLE_TAKE_PROFIT,
    STATUS_REJECTED,
    STATUS_WORKING,
    TIF_GTC,
)
from quant.core.risk.limits import account_halt, cap_exposure, cap_position, volatility_halt
from quant.core.risk.sizing import shrink_for_impact, size_units
from quant.core.sim.book import add_order, apply_fill, cancel_if_working, mark_filled
from quant.core.sim.fills import cap_to_cash, fill_order
from quant.core.sim.layout import (
    A_BAR0,
    A_CASH,
    A_CONSEC,
    A_DAY_START,
    A_EQUITY,
    A_HALT,
    A_LAST_DAY,
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
    B_TR_ENTRY_VAL,
    B_TR_QTY,
    B_VOL_HALTED,
    C_ALLOW_SHORT,
    C_ENTRY_OFFSET,
    C_ENTRY_TYPE,
    C_FEE_FIXED,
    C_FEE_MIN,
    C_FEE_PCT,
    C_FILL_TIMING,
    C_HALT_ACTION,
    C_MAX_CONSEC,
    C_MAX_DAILY_LOSS,
    C_MAX_DRAWDOWN,
    C_MAX_EXPOSURE,
    C_MAX_POS,
    C_PARTICIPATION,
    C_PPY,
    C_SHRINK,
    C_SIZE_PARAM,
    C_SIZING,
    C_STOP_LOSS,
    C_TAKE_PROFIT,
    C_TIF,
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
def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


@njit
def _row(stat: np.ndarray, t: int) -> int:
    """Row of a market-stat array for bar t (a one-row array holds a constant: not needed)."""
    return t if stat.shape[0] > 1 else 0


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
def _set_bracket(orders, book, acct, s, t, slot, role, otype, price):
    """Create or resize the bracket child in ``slot`` to cover the whole position."""
    pos = book[s, B_POS]
    row = int(book[s, slot])
    if row >= 0 and orders[row]["status"] == STATUS_WORKING:
        orders[row]["qty"] = orders[row]["filled_qty"] + abs(pos)
        if otype == ORDER_STOP:
            orders[row]["stop_price"] = price
        else:
            orders[row]["limit_price"] = price
        return
    lim = price if otype == ORDER_LIMIT else math.nan
    stp = price if otype == ORDER_STOP else math.nan
    r = add_order(orders, acct, t, s, -_sign(pos), otype, role, TIF_GTC, abs(pos), lim, stp, 0)
    book[s, slot] = r


@njit
def _refresh_brackets(orders, book, acct, cfg, s, t):
    """Brackets follow the position; cancelled when flat or when the intent is not to hold it."""
    pos = book[s, B_POS]
    if pos == 0.0 or _sign(pos) != book[s, B_INTENT]:
        cancel_if_working(orders, book[s, B_SLOT_SL], t)
        cancel_if_working(orders, book[s, B_SLOT_TP], t)
        book[s, B_SLOT_SL] = -1.0
        book[s, B_SLOT_TP] = -1.0
        return
    entry = book[s, B_TR_ENTRY_VAL] / book[s, B_TR_QTY]
    d = _sign(pos)
    if cfg[C_STOP_LOSS] > 0.0:
        px = entry * (1.0 - d * cfg[C_STOP_LOSS])
        _set_bracket(orders, book, acct, s, t, B_SLOT_SL, ROLE_STOP_LOSS, ORDER_STOP, px)
    if cfg[C_TAKE_PROFIT] > 0.0:
        px = entry * (1.0 + d * cfg[C_TAKE_PROFIT])
        _set_bracket(orders, book, acct, s, t, B_SLOT_TP, ROLE_TAKE_PROFIT, ORDER_LIMIT, px)


@njit
def _process_orders(bars, stats, cfg, costs, orders, fills, trades, book, acct, s, t, same):
    """Let the symbol's working orders trade against bar t (``same``: only new market orders)."""
    o_, h_, l_, c_, v_ = bars
    sigma, adv = stats[0], stats[2]
    at_close = int(cfg[C_FILL_TIMING]) != FILL_NEXT_OPEN
    k = t
    tb = t + int(acct[A_BAR0])  # absolute bar number (records; resumable runs)
    r = _row(sigma, k)
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
    part = cfg[C_PARTICIPATION]
    vol = v_[t, s]
    budget = (part * vol if vol > 0.0 else 0.0) if part > 0.0 else math.inf  # shared by the orders
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
            if pos == 0.0 or _sign(pos) == side:
                cancel_if_working(orders, row, tb)
                book[s, slot] = -1.0
                continue
            remaining = min(remaining, abs(pos))
        remaining = min(remaining, budget)
        order = (side, remaining, float(od["type"]), od["limit_price"], od["stop_price"])
        qty, price, fee, slip = fill_order(order, bar, cost, at_close)
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
            apply_fill(orders, fills, trades, book, acct, row, tb, qty, price, fee, slip)
            flat = book[s, B_POS] == 0.0
            if od["qty"] - od["filled_qty"] <= _EPS * od["qty"] or (flat and od["role"] != 0):
                mark_filled(orders, row, tb)
                book[s, slot] = -1.0
            if flat and (od["role"] == ROLE_STOP_LOSS or od["role"] == ROLE_TAKE_PROFIT):
                book[s, B_INTENT] = 0.0  # stopped out: wait for the strategy's next entry
            _refresh_brackets(orders, book, acct, cfg, s, tb)
        if od["status"] == STATUS_WORKING and (
            capped or (od["role"] == ROLE_ENTRY and od["tif"] != TIF_GTC)
        ):
            # out of cash, or DAY / IOC: the unfilled remainder is cancelled with the bar
            cancel_if_working(orders, row, tb)
            book[s, slot] = -1.0


@njit
def _halt_symbol(orders, book, acct, s, tb, close_out):
    """Apply a HALT to one symbol: cancel entries; close the position or freeze it."""
    cancel_if_working(orders, book[s, B_SLOT_ENTRY], tb)
    book[s, B_SLOT_ENTRY] = -1.0
    if not close_out:
        return
    for slot in (B_SLOT_EXIT, B_SLOT_SL, B_SLOT_TP):
        cancel_if_working(orders, book[s, slot], tb)
        book[s, slot] = -1.0
    pos = book[s, B_POS]
    book[s, B_INTENT] = 0.0
    if pos != 0.0:
        r = add_order(
            orders, acct, tb, s, -_sign(pos), ORDER_MARKET, ROLE_RISK, TIF_GTC, abs(pos),
            math.nan, math.nan, STATUS_WORKING,
        )  # fmt: skip
        book[s, B_SLOT_EXIT] = r


@njit
def _serves(role: int, side: float, pos: float, d: float) -> bool:
    """Whether a working order of ``role``/``side`` serves the intent ``d`` (-1, 0, +1).

    An entry serves while it trades toward ``d``; an exit (strategy or HALT) while the position
    points away from ``d``; a stop-loss or take-profit while the position is the one ``d``
    wants held.
    """
    if role == ROLE_ENTRY:
        return d != 0.0 and side == d
    if role == ROLE_STOP_LOSS or role == ROLE_TAKE_PROFIT:  # noqa: SIM109 (numba)
        return pos != 0.0 and _sign(pos) == d
    return pos != 0.0 and _sign(pos) != d and side == -_sign(pos)


@njit
def _cancel_stale(orders, book, s, tb, d):
    """The one rule on a change of intent: cancel each working order that does not serve ``d``."""
    pos = book[s, B_POS]
    for slot in SLOTS:
        row = int(book[s, slot])
        if row < 0:
            continue
        od = orders[row]
        if od["status"] != STATUS_WORKING:
            book[s, slot] = -1.0
        elif not _serves(int(od["role"]), float(od["side"]), pos, d):
            cancel_if_working(orders, row, tb)
            book[s, slot] = -1.0


@njit
def _pending_entry(orders, book, s, price):
    """Notional (at ``price``) of the symbol's working entry order, 0 if none."""
    row = int(book[s, B_SLOT_ENTRY])
    if row < 0 or orders[row]["status"] != STATUS_WORKING:
        return 0.0
    return (orders[row]["qty"] - orders[row]["filled_qty"]) * price


@njit
def _act(stats, cfg, costs, orders, book, acct, s, t, tgt, price, eq, committed):
    """Turn a change of direction into orders (exit at market, entry per config).

    ``committed`` is the gross notional of all positions plus working entry orders; returns
    the change of it (new entry notional minus the cancelled one) so later symbols of the
    same bar see entries already asked for.
    """
    sigma, mu, adv = stats
    tb = t + int(acct[A_BAR0])
    d = _sign(tgt)
    if d < 0.0 and cfg[C_ALLOW_SHORT] == 0.0:
        d = 0.0
    if d == book[s, B_INTENT]:
        return 0.0
    book[s, B_INTENT] = d
    own_pending = _pending_entry(orders, book, s, price)
    _cancel_stale(orders, book, s, tb, d)
    pos = book[s, B_POS]
    if pos != 0.0 and _sign(pos) != d:
        row = int(book[s, B_SLOT_EXIT])
        if row >= 0:  # a working exit still serves: it must cover the whole position
            orders[row]["qty"] = max(orders[row]["qty"], orders[row]["filled_qty"] + abs(pos))
        else:
            r = add_order(
                orders, acct, tb, s, -_sign(pos), ORDER_MARKET, ROLE_EXIT, TIF_GTC, abs(pos),
                math.nan, math.nan, STATUS_WORKING,
            )  # fmt: skip
            book[s, B_SLOT_EXIT] = r
    _refresh_brackets(orders, book, acct, cfg, s, tb)  # back to an open position: protect it
    if d == 0.0:
        return -own_pending
    sl = cfg[C_STOP_LOSS]
    r = _row(sigma, t)
    sg = sigma[r, s]
    stop_dist = sl * price if sl > 0.0 else 2.0 * sg * price
    units = size_units(
        int(cfg[C_SIZING]),
        cfg[C_SIZE_PARAM],
        eq,
        price,
        stop_dist,
        sg,
        mu[_row(mu, t), s],
        cfg[C_PPY],
    ) * min(abs(tgt), 1.0)
    if cfg[C_SHRINK] != 0.0:
        units = shrink_for_impact(
            units, stop_dist, price, costs[s, K_SLIP_MODEL], costs[s, K_SLIP_PARAM], sg, adv[r, s]
        )
    wanted = units
    have = abs(pos) if _sign(pos) == d else 0.0
    units = cap_position(units, price, eq, cfg[C_MAX_POS])
    other = committed - own_pending - abs(pos * price)
    units = cap_exposure(units, price, eq, other, cfg[C_MAX_EXPOSURE])
    qty = units - have
    etype = int(cfg[C_ENTRY_TYPE])
    off = cfg[C_ENTRY_OFFSET]
    lim = price * (1.0 - d * off) if etype == ORDER_LIMIT else math.nan
    stp = price * (1.0 + d * off) if etype == ORDER_STOP else math.nan
    if qty <= 0.0:
        if wanted - have > 0.0:  # a limit refused the entry: keep the evidence
            add_order(
                orders, acct, tb, s, d, etype, ROLE_ENTRY, int(cfg[C_TIF]), wanted - have, lim, stp,
                STATUS_REJECTED,
            )  # fmt: skip
        return -own_pending
    r = add_order(
        orders, acct, tb, s, d, etype, ROLE_ENTRY, int(cfg[C_TIF]), qty, lim, stp, STATUS_WORKING
    )
    book[s, B_SLOT_ENTRY] = r
    return qty * price - own_pending


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
            if (
                book[s, B_SLOT_EXIT] >= 0.0
                or book[s, B_SLOT_ENTRY] >= 0.0
                or book[s, B_SLOT_SL] >= 0.0
                or book[s, B_SLOT_TP] >= 0.0
            ):
                _process_orders(
                    bars, stats, cfg, costs, orders, fills, trades, book, acct, s, t, False
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
                _halt_symbol(orders, book, acct, s, t + b0, close_out)
        bar_halt = code
        committed = gross
        if cfg[C_MAX_EXPOSURE] > 0.0:
            for s in range(n_sym):
                committed += _pending_entry(orders, book, s, book[s, B_LAST_CLOSE])
        for s in range(n_sym):
            c = c_[t, s]
            if math.isnan(c):
                targets[t, s] = math.nan
                continue
            f_row = borrowed_row(feats, (t * n_sym + s) * n_feat)  # feats[t, s], state[s]
            tgt = decide(f_row, book[s, B_POS], borrowed_row(state, s * n_state), params)
            targets[t, s] = tgt
            vh = volatility_halt(stats[0][_row(stats[0], t), s], cfg[C_PPY], cfg[C_VOL_HALT])
            if vh:
                if book[s, B_VOL_HALTED] == 0.0:
                    book[s, B_VOL_HALTED] = 1.0
                    _halt_symbol(orders, book, acct, s, t + b0, close_out)
                if bar_halt == HALT_NONE:
                    bar_halt = HALT_VOLATILITY
                continue
            book[s, B_VOL_HALTED] = 0.0
            if code != HALT_NONE or math.isnan(tgt):
                continue
            committed += _act(stats, cfg, costs, orders, book, acct, s, t, tgt, c, eq, committed)
        if timing == FILL_SAME_CLOSE:
            for s in range(n_sym):
                if not math.isnan(c_[t, s]):
                    _process_orders(
                        bars, stats, cfg, costs, orders, fills, trades, book, acct, s, t, True
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
