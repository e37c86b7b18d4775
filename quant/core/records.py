"""Structured record dtypes the simulator appends to; analytics are functions of records.

Conventions: ``bar`` is the 0-based index along the time axis of the simulated bars,
``symbol`` the 0-based column index (the engine maps it back to the symbol name), sides are
``+1`` buy / long and ``-1`` sell / short, quantities are positive units, prices are in the
quote currency, fees and slippage are non-negative costs in the quote currency.
Timestamps live in a separate per-bar ``ts`` int64 array (nanoseconds since epoch, UTC).

Per-bar arrays produced alongside the records: ``equity`` float64[n_bars] (cash plus every
position marked at the bar's close) and ``exposure`` float64[n_bars] (gross position value
divided by equity).
"""

from __future__ import annotations

import numpy as np

#: One execution (a partial fill of an order is its own record).
fill_dt = np.dtype(
    [
        ("bar", np.int64),
        ("symbol", np.int32),
        ("order_id", np.int64),
        ("side", np.int8),  # +1 buy, -1 sell
        ("qty", np.float64),  # > 0 units
        ("price", np.float64),  # execution price after slippage
        ("fee", np.float64),  # fee charged for this fill (>= 0)
        ("slippage", np.float64),  # slippage cost of this fill, quote currency (>= 0)
    ],
    align=False,
)

#: One round trip: from opening a position to closing it (or to the last bar, if open).
trade_dt = np.dtype(
    [
        ("symbol", np.int32),
        ("entry_bar", np.int64),
        ("exit_bar", np.int64),  # -1 while the trade is still open at the end of the data
        ("side", np.int8),  # +1 long, -1 short
        ("qty", np.float64),  # units (> 0)
        ("entry_price", np.float64),  # qty-weighted average entry fill price
        ("exit_price", np.float64),  # qty-weighted average exit fill price (close if open)
        ("fees", np.float64),  # entry + exit fees attributed to this trade
        ("pnl", np.float64),  # net of fees and slippage, quote currency
        ("return_pct", np.float64),  # pnl / (qty * entry_price), a fraction (0.01 = 1 %)
    ],
    align=False,
)

#: Order types.
ORDER_MARKET = 0
ORDER_LIMIT = 1
ORDER_STOP = 2

#: Order statuses.
STATUS_WORKING = 0
STATUS_FILLED = 1
STATUS_CANCELLED = 2  # cancelled by time in force, replaced by a new target, or by a HALT
STATUS_REJECTED = 3  # refused by a risk rule or for lack of cash

#: Time in force.
TIF_GTC = 0  # good till cancelled (the remainder of a partial fill keeps working)
TIF_DAY = 1  # the unfilled remainder is cancelled after the bar it first could fill in
TIF_IOC = 2  # alias of DAY at bar resolution: fill what the bar allows, cancel the rest

#: Order roles.
ROLE_ENTRY = 0  # moves the position toward the strategy's target
ROLE_STOP_LOSS = 1  # bracket child: protective stop
ROLE_TAKE_PROFIT = 2  # bracket child: profit-taking limit
ROLE_RISK = 3  # issued by a risk rule (HALT close-out)
ROLE_EXIT = 4  # the strategy asked to be flat (or to flip): close at market

#: One order as submitted, with its final state.
order_dt = np.dtype(
    [
        ("id", np.int64),
        ("bar", np.int64),  # bar whose close produced the decision
        ("symbol", np.int32),
        ("side", np.int8),
        ("type", np.int8),  # ORDER_*
        ("role", np.int8),  # ROLE_*
        ("tif", np.int8),  # TIF_*
        ("status", np.int8),  # STATUS_*
        ("qty", np.float64),  # requested units (> 0)
        ("filled_qty", np.float64),
        ("limit_price", np.float64),  # NaN unless limit
        ("stop_price", np.float64),  # NaN unless stop
        ("avg_price", np.float64),  # qty-weighted fill price, NaN if nothing filled
        ("end_bar", np.int64),  # bar it was filled / cancelled in, -1 if still working
    ],
    align=False,
)


def empty_fills(n: int = 0) -> np.ndarray:
    """A zeroed fill record array of length ``n``."""
    return np.zeros(n, dtype=fill_dt)


def empty_trades(n: int = 0) -> np.ndarray:
    """A zeroed trade record array of length ``n``."""
    return np.zeros(n, dtype=trade_dt)


def empty_orders(n: int = 0) -> np.ndarray:
    """A zeroed order record array of length ``n``."""
    return np.zeros(n, dtype=order_dt)
