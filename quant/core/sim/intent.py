"""Turning a strategy's target into orders: the intent rule, brackets and HALT close-outs.

Pure numba helpers of the bar loop (``quant.core.sim.loop``); they mutate the records,
``book`` and ``acct`` they are given. ``act_on_target`` applies a change of direction
(intent): ``cancel_stale`` cancels, in one place, every working order that no longer serves
the new intent (``serves`` says which do), then the missing exit, brackets and entry are
added, sized by ``quant.core.risk.sizing`` and capped by ``quant.core.risk.limits``.
"""

from __future__ import annotations

import math

import numpy as np

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
from quant.core.risk.limits import cap_exposure, cap_position
from quant.core.risk.sizing import shrink_for_impact, size_units
from quant.core.sim.book import add_order, cancel_if_working
from quant.core.sim.layout import (
    A_BAR0,
    B_INTENT,
    B_POS,
    B_SLOT_ENTRY,
    B_SLOT_EXIT,
    B_SLOT_SL,
    B_SLOT_TP,
    B_TR_ENTRY_VAL,
    B_TR_QTY,
    C_ALLOW_SHORT,
    C_ENTRY_OFFSET,
    C_ENTRY_TYPE,
    C_MAX_EXPOSURE,
    C_MAX_POS,
    C_PPY,
    C_SHRINK,
    C_SIZE_PARAM,
    C_SIZING,
    C_STOP_LOSS,
    C_TAKE_PROFIT,
    C_TIF,
    K_SLIP_MODEL,
    K_SLIP_PARAM,
    SLOTS,
)


@njit
def sign(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


@njit
def stat_row(stat: np.ndarray, t: int) -> int:
    """Row of a market-stat array for bar t (a one-row array holds a constant: not needed)."""
    return t if stat.shape[0] > 1 else 0


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
    r = add_order(orders, acct, t, s, -sign(pos), otype, role, TIF_GTC, abs(pos), lim, stp, 0)
    book[s, slot] = r


@njit
def refresh_brackets(orders, book, acct, cfg, s, t):
    """Brackets follow the position; cancelled when flat or when the intent is not to hold it."""
    pos = book[s, B_POS]
    if pos == 0.0 or sign(pos) != book[s, B_INTENT]:
        cancel_if_working(orders, int(book[s, B_SLOT_SL]), t)
        cancel_if_working(orders, int(book[s, B_SLOT_TP]), t)
        book[s, B_SLOT_SL] = -1.0
        book[s, B_SLOT_TP] = -1.0
        return
    entry = book[s, B_TR_ENTRY_VAL] / book[s, B_TR_QTY]
    d = sign(pos)
    if cfg[C_STOP_LOSS] > 0.0:
        px = entry * (1.0 - d * cfg[C_STOP_LOSS])
        _set_bracket(orders, book, acct, s, t, B_SLOT_SL, ROLE_STOP_LOSS, ORDER_STOP, px)
    if cfg[C_TAKE_PROFIT] > 0.0:
        px = entry * (1.0 + d * cfg[C_TAKE_PROFIT])
        _set_bracket(orders, book, acct, s, t, B_SLOT_TP, ROLE_TAKE_PROFIT, ORDER_LIMIT, px)


@njit
def halt_symbol(orders, book, acct, s, tb, close_out):
    """Apply a HALT to one symbol: cancel entries; close the position or freeze it."""
    cancel_if_working(orders, int(book[s, B_SLOT_ENTRY]), tb)
    book[s, B_SLOT_ENTRY] = -1.0
    if not close_out:
        return
    for slot in (B_SLOT_EXIT, B_SLOT_SL, B_SLOT_TP):
        cancel_if_working(orders, int(book[s, slot]), tb)
        book[s, slot] = -1.0
    pos = book[s, B_POS]
    book[s, B_INTENT] = 0.0
    if pos != 0.0:
        r = add_order(
            orders, acct, tb, s, -sign(pos), ORDER_MARKET, ROLE_RISK, TIF_GTC, abs(pos),
            math.nan, math.nan, STATUS_WORKING,
        )  # fmt: skip
        book[s, B_SLOT_EXIT] = r


@njit(inline="always")
def serves(role: int, side: float, pos: float, d: float) -> bool:
    """Whether a working order of ``role``/``side`` serves the intent ``d`` (-1, 0, +1).

    An entry serves while it trades toward ``d``; an exit (strategy or HALT) while the position
    points away from ``d``; a stop-loss or take-profit while the position is the one ``d``
    wants held.
    """
    if role == ROLE_ENTRY:
        return d != 0.0 and side == d
    if role == ROLE_STOP_LOSS or role == ROLE_TAKE_PROFIT:  # noqa: SIM109 (numba)
        return pos != 0.0 and sign(pos) == d
    return pos != 0.0 and sign(pos) != d and side == -sign(pos)


@njit
def cancel_stale(orders, book, s, tb, d):
    """The one rule on a change of intent: cancel each working order that does not serve ``d``."""
    pos = book[s, B_POS]
    for slot in SLOTS:
        row = int(book[s, slot])
        if row < 0:
            continue
        od = orders[row]
        if od["status"] != STATUS_WORKING:
            book[s, slot] = -1.0
        elif not serves(int(od["role"]), float(od["side"]), pos, d):
            cancel_if_working(orders, row, tb)
            book[s, slot] = -1.0


@njit
def pending_entry(orders, book, s, price):
    """Notional (at ``price``) of the symbol's working entry order, 0 if none."""
    row = int(book[s, B_SLOT_ENTRY])
    if row < 0 or orders[row]["status"] != STATUS_WORKING:
        return 0.0
    return (orders[row]["qty"] - orders[row]["filled_qty"]) * price


@njit
def act_on_target(stats, cfg, costs, orders, book, acct, s, t, tgt, price, eq, committed):
    """Turn a change of direction into orders (exit at market, entry per config).

    ``committed`` is the gross notional of all positions plus working entry orders; returns
    the change of it (new entry notional minus the cancelled one) so later symbols of the
    same bar see entries already asked for.
    """
    sigma, mu, adv = stats
    tb = t + int(acct[A_BAR0])
    d = sign(tgt)
    if d < 0.0 and cfg[C_ALLOW_SHORT] == 0.0:
        d = 0.0
    if d == book[s, B_INTENT]:
        return 0.0
    book[s, B_INTENT] = d
    own_pending = pending_entry(orders, book, s, price)
    cancel_stale(orders, book, s, tb, d)
    pos = book[s, B_POS]
    if pos != 0.0 and sign(pos) != d:
        row = int(book[s, B_SLOT_EXIT])
        if row >= 0:  # a working exit still serves: it must cover the whole position
            orders[row]["qty"] = max(orders[row]["qty"], orders[row]["filled_qty"] + abs(pos))
        else:
            r = add_order(
                orders, acct, tb, s, -sign(pos), ORDER_MARKET, ROLE_EXIT, TIF_GTC, abs(pos),
                math.nan, math.nan, STATUS_WORKING,
            )  # fmt: skip
            book[s, B_SLOT_EXIT] = r
    refresh_brackets(orders, book, acct, cfg, s, tb)  # back to an open position: protect it
    if d == 0.0:
        return -own_pending
    sl = cfg[C_STOP_LOSS]
    r = stat_row(sigma, t)
    sg = sigma[r, s]
    stop_dist = sl * price if sl > 0.0 else 2.0 * sg * price
    units = size_units(
        int(cfg[C_SIZING]),
        cfg[C_SIZE_PARAM],
        eq,
        price,
        stop_dist,
        sg,
        mu[stat_row(mu, t), s],
        cfg[C_PPY],
    ) * min(abs(tgt), 1.0)
    if cfg[C_SHRINK] != 0.0:
        units = shrink_for_impact(
            units, stop_dist, price, costs[s, K_SLIP_MODEL], costs[s, K_SLIP_PARAM], sg, adv[r, s]
        )
    wanted = units
    have = abs(pos) if sign(pos) == d else 0.0
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
