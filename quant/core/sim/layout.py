"""Layout of the simulator's flat inputs: config vector slots, per-symbol cost columns, codes.

The simulator is compiled once with an explicit signature, so its configuration travels as a
float64 vector ``cfg`` (slots ``C_*`` below, built by ``quant.backtest.config``) and a
per-symbol cost matrix ``costs[n_symbols, N_COST]``. Mutable per-symbol accounting lives in
``book[n_symbols, N_BOOK]`` (slots ``B_*``), account scalars in ``acct[N_ACCT]`` (``A_*``).
"""

from __future__ import annotations

from numba import from_dtype, types

from quant.core.records import fill_dt, order_dt, trade_dt

# --- fill timing -------------------------------------------------------------------------
FILL_NEXT_OPEN = 0  # decision at bar t's close, market order fills at bar t+1's open (default)
FILL_NEXT_CLOSE = 1  # ... fills at bar t+1's close
FILL_SAME_CLOSE = 2  # ... fills at bar t's own close (optimistic; explicit opt-in)

# --- slippage models ---------------------------------------------------------------------
SLIP_NONE = 0
SLIP_CONSTANT = 1  # param = basis points of the reference price
SLIP_LINEAR = 2  # impact fraction = param * (fill qty / bar volume)
SLIP_SQRT = 3  # impact fraction = param * sigma * sqrt(fill qty / ADV)

# --- sizing rules ------------------------------------------------------------------------
SIZE_FIXED = 0  # param = units
SIZE_FRACTION = 1  # param = fraction of equity in notional
SIZE_RISK = 2  # param = fraction of equity lost if the stop distance is hit
SIZE_VOL = 3  # param = target annualised volatility of the position
SIZE_KELLY = 4  # Kelly fraction mu/sigma^2 of per-bar returns, capped at param

# --- HALT ---------------------------------------------------------------------------------
HALT_NONE = 0
HALT_DAILY_LOSS = 1  # lifts at the next trading day
HALT_DRAWDOWN = 2  # latched
HALT_CONSEC_LOSSES = 3  # latched
HALT_VOLATILITY = 4  # per symbol; lifts when volatility falls below the limit
HALT_ACTION_CLOSE = 0  # cancel working orders and close positions at market
HALT_ACTION_FREEZE = 1  # cancel working entries, keep positions and their brackets

# --- cfg vector slots ---------------------------------------------------------------------
C_CASH = 0
C_FILL_TIMING = 1
C_FEE_PCT = 2  # fraction of notional (0.001 = 10 bps)
C_FEE_FIXED = 3  # per fill, quote currency
C_FEE_MIN = 4  # minimum fee per fill
C_PARTICIPATION = 5  # max fraction of a bar's volume one order may take; 0 = unlimited
C_TIF = 6  # TIF_* of entry orders
C_ENTRY_TYPE = 7  # ORDER_* of entry orders
C_ENTRY_OFFSET = 8  # limit: buy at close*(1-off); stop: buy at close*(1+off) (mirrored)
C_STOP_LOSS = 9  # bracket stop distance, fraction of entry price; 0 = none
C_TAKE_PROFIT = 10  # bracket profit distance, fraction of entry price; 0 = none
C_ALLOW_SHORT = 11
C_SIZING = 12  # SIZE_*
C_SIZE_PARAM = 13
C_SHRINK = 14  # 1 = slippage-aware size shrink
C_PPY = 15  # periods per year (vol targeting, vol HALT)
C_MAX_POS = 16  # max position notional as a fraction of equity; 0 = none
C_MAX_EXPOSURE = 17  # max gross exposure / equity; 0 = none
C_MAX_DAILY_LOSS = 18  # fraction of the day's starting equity; 0 = none
C_MAX_DRAWDOWN = 19  # fraction below the peak; 0 = none
C_MAX_CONSEC = 20  # losing trades in a row; 0 = none
C_VOL_HALT = 21  # annualised volatility above which a symbol is halted; 0 = none
C_HALT_ACTION = 22
C_CLAMP = 23  # 1 = clamp slipped prices into the bar's [low, high] (drops slippage); 0 = full
N_CFG = 24

# --- per-symbol costs ---------------------------------------------------------------------
K_SLIP_MODEL = 0
K_SLIP_PARAM = 1
N_COST = 2

# --- per-symbol book slots (float64; indices stored exactly) ------------------------------
B_POS = 0  # signed units
B_INTENT = 1  # direction of the last acted decision: -1, 0, +1
B_LAST_CLOSE = 2  # last valid close (marks the position on bars without data)
B_SLOT_ENTRY = 3  # working order row (index into orders) or -1
B_SLOT_EXIT = 4
B_SLOT_SL = 5
B_SLOT_TP = 6
B_TR_ENTRY_BAR = 7  # open trade: bar of the first entry fill
B_TR_SIDE = 8
B_TR_QTY = 9  # units opened
B_TR_ENTRY_VAL = 10  # sum of qty * price of entry fills
B_TR_EXIT_QTY = 11
B_TR_EXIT_VAL = 12
B_TR_FEES = 13
B_VOL_HALTED = 14
N_BOOK = 15
SLOTS = (B_SLOT_EXIT, B_SLOT_ENTRY, B_SLOT_SL, B_SLOT_TP)  # processing order within a bar

# --- account slots ------------------------------------------------------------------------
A_CASH = 0
A_PEAK = 1
A_DAY_START = 2  # equity at the close before the current day's first bar
A_CONSEC = 3  # losing trades in a row
A_HALT = 4  # HALT_* of the account (0 = trading)
A_N_ORDERS = 5
A_N_FILLS = 6
A_N_TRADES = 7
A_OVERFLOW = 8  # 1 when a record array ran out of room (the driver re-runs bigger)
A_LAST_DAY = 9  # day number of the last bar seen (-1 before the first)
A_EQUITY = 10  # equity at the last bar's close
A_BAR0 = 11  # absolute bar number of the next call's first bar (records use absolute bars)
A_N_CLAMPED = 12  # fills whose slippage the C_CLAMP option reduced
N_ACCT = 13

# --- numba types --------------------------------------------------------------------------
F8_1D = types.float64[::1]
F8_2D = types.float64[:, ::1]
#: decide(features_at_t, position_units, state, params) -> target (+1/-1 enter, 0 exit, NaN none)
DECIDE_SIG = types.float64(F8_1D, types.float64, F8_1D, F8_1D)
DecideType = types.FunctionType(DECIDE_SIG)
ORDERS_T = types.Array(from_dtype(order_dt), 1, "C")
FILLS_T = types.Array(from_dtype(fill_dt), 1, "C")
TRADES_T = types.Array(from_dtype(trade_dt), 1, "C")
