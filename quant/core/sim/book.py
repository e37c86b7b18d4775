"""Order book and accounting helpers of the simulator: append records, apply fills, trades.

All functions mutate the arrays they are given (records, ``book[n_symbols, N_BOOK]``,
``acct[N_ACCT]``; slots in ``quant.core.sim.layout``) and never allocate. When a record
array is full they set ``acct[A_OVERFLOW] = 1`` and drop the record; the driver then re-runs
with bigger arrays, so a finished run never has missing records.
"""

from __future__ import annotations

import math

import numpy as np

from quant.core.jit import njit
from quant.core.records import STATUS_CANCELLED, STATUS_FILLED, STATUS_WORKING
from quant.core.sim.layout import (
    A_CASH,
    A_CONSEC,
    A_N_FILLS,
    A_N_ORDERS,
    A_N_TRADES,
    A_OVERFLOW,
    B_POS,
    B_TR_ENTRY_BAR,
    B_TR_ENTRY_VAL,
    B_TR_EXIT_QTY,
    B_TR_EXIT_VAL,
    B_TR_FEES,
    B_TR_QTY,
    B_TR_SIDE,
)


@njit
def add_order(
    orders: np.ndarray,
    acct: np.ndarray,
    bar: int,
    symbol: int,
    side: float,
    otype: int,
    role: int,
    tif: int,
    qty: float,
    limit_price: float,
    stop_price: float,
    status: int,
) -> int:
    """Append an order record; returns its row (or -1 on overflow)."""
    i = int(acct[A_N_ORDERS])
    if i >= orders.shape[0]:
        acct[A_OVERFLOW] = 1.0
        return -1
    o = orders[i]
    o["id"] = i
    o["bar"] = bar
    o["symbol"] = symbol
    o["side"] = 1 if side > 0 else -1
    o["type"] = otype
    o["role"] = role
    o["tif"] = tif
    o["status"] = status
    o["qty"] = qty
    o["filled_qty"] = 0.0
    o["limit_price"] = limit_price
    o["stop_price"] = stop_price
    o["avg_price"] = math.nan
    o["end_bar"] = -1 if status == STATUS_WORKING else bar
    acct[A_N_ORDERS] = i + 1
    return i


@njit(inline="always")
def close_order(orders: np.ndarray, row: int, bar: int, status: int) -> None:
    """Mark a working order filled or cancelled at ``bar``."""
    if row >= 0 and orders[row]["status"] == STATUS_WORKING:
        orders[row]["status"] = status
        orders[row]["end_bar"] = bar


@njit
def _record_trade(
    trades: np.ndarray, acct: np.ndarray, book: np.ndarray, s: int, exit_bar: int, exit_val: float
) -> float:
    """Append symbol ``s``'s current trade (exits valued at ``exit_val``); return its net pnl."""
    side = book[s, B_TR_SIDE]
    qty = book[s, B_TR_QTY]
    entry_val = book[s, B_TR_ENTRY_VAL]
    fees = book[s, B_TR_FEES]
    pnl = side * (exit_val - entry_val) - fees
    k = int(acct[A_N_TRADES])
    if k >= trades.shape[0]:
        acct[A_OVERFLOW] = 1.0
        return pnl
    tr = trades[k]
    tr["symbol"] = s
    tr["entry_bar"] = int(book[s, B_TR_ENTRY_BAR])
    tr["exit_bar"] = exit_bar
    tr["side"] = 1 if side > 0 else -1
    tr["qty"] = qty
    tr["entry_price"] = entry_val / qty
    tr["exit_price"] = exit_val / qty
    tr["fees"] = fees
    tr["pnl"] = pnl
    tr["return_pct"] = pnl / entry_val if entry_val > 0.0 else 0.0
    acct[A_N_TRADES] = k + 1
    return pnl


@njit(inline="always")
def _finish_trade(trades: np.ndarray, acct: np.ndarray, book: np.ndarray, s: int, bar: int):
    pnl = _record_trade(trades, acct, book, s, bar, book[s, B_TR_EXIT_VAL])
    acct[A_CONSEC] = acct[A_CONSEC] + 1.0 if pnl < 0.0 else 0.0


@njit(inline="always")
def _open_trade(book: np.ndarray, s: int, bar: int, side: float, qty: float, price: float, fee):
    book[s, B_TR_ENTRY_BAR] = bar
    book[s, B_TR_SIDE] = side
    book[s, B_TR_QTY] = qty
    book[s, B_TR_ENTRY_VAL] = qty * price
    book[s, B_TR_EXIT_QTY] = 0.0
    book[s, B_TR_EXIT_VAL] = 0.0
    book[s, B_TR_FEES] = fee


@njit
def apply_fill(
    orders: np.ndarray,
    fills: np.ndarray,
    trades: np.ndarray,
    book: np.ndarray,
    acct: np.ndarray,
    row: int,
    bar: int,
    qty: float,
    price: float,
    fee: float,
    slip: float,
) -> None:
    """Book one execution: fill record, order progress, cash, position and round-trip trades.

    A trade runs from flat to flat; a fill that crosses zero closes the trade and opens the
    opposite one with the remainder, splitting the fee pro rata.
    """
    o = orders[row]
    s = np.int64(o["symbol"])  # int64 like every caller's symbol: one compiled _record_trade
    side = float(o["side"])
    k = int(acct[A_N_FILLS])
    if k >= fills.shape[0]:
        acct[A_OVERFLOW] = 1.0
    else:
        f = fills[k]
        f["bar"] = bar
        f["symbol"] = s
        f["order_id"] = o["id"]
        f["side"] = o["side"]
        f["qty"] = qty
        f["price"] = price
        f["fee"] = fee
        f["slippage"] = slip
        acct[A_N_FILLS] = k + 1
    done = o["filled_qty"]
    o["avg_price"] = price if done == 0.0 else (o["avg_price"] * done + price * qty) / (done + qty)
    o["filled_qty"] = done + qty
    acct[A_CASH] -= side * qty * price + fee
    old = book[s, B_POS]
    if old == 0.0:
        _open_trade(book, s, bar, side, qty, price, fee)
        book[s, B_POS] = side * qty
        return
    if (old > 0.0) == (side > 0.0):
        book[s, B_TR_QTY] += qty
        book[s, B_TR_ENTRY_VAL] += qty * price
        book[s, B_TR_FEES] += fee
        book[s, B_POS] = old + side * qty
        return
    closing = min(qty, abs(old))
    fee_close = fee * closing / qty
    book[s, B_TR_EXIT_QTY] += closing
    book[s, B_TR_EXIT_VAL] += closing * price
    book[s, B_TR_FEES] += fee_close
    rest = qty - closing
    if closing >= abs(old):
        book[s, B_TR_EXIT_QTY] = book[s, B_TR_QTY]
        _finish_trade(trades, acct, book, s, bar)
        book[s, B_POS] = 0.0
        if rest > 0.0:
            _open_trade(book, s, bar, side, rest, price, fee - fee_close)
            book[s, B_POS] = side * rest
    else:
        book[s, B_POS] = old + side * qty


@njit
def finish_open_trades(
    trades: np.ndarray, book: np.ndarray, acct: np.ndarray, last_bar: int, closes: np.ndarray
) -> None:
    """Record still-open positions as trades with ``exit_bar = -1``, marked at the last close."""
    n_sym = book.shape[0]
    for s in range(n_sym):
        pos = book[s, B_POS]
        if pos == 0.0:
            continue
        if int(acct[A_N_TRADES]) >= trades.shape[0]:
            acct[A_OVERFLOW] = 1.0
            return
        _record_trade(trades, acct, book, s, -1, book[s, B_TR_EXIT_VAL] + abs(pos) * closes[s])


@njit
def cancel_if_working(orders: np.ndarray, row: int, bar: int) -> None:
    """Cancel the order in ``row`` (a book slot's row as an int; -1 = none) if still working."""
    close_order(orders, row, bar, STATUS_CANCELLED)


@njit
def mark_filled(orders: np.ndarray, row: int, bar: int) -> None:
    """Mark an order fully filled at ``bar``."""
    close_order(orders, row, bar, STATUS_FILLED)
