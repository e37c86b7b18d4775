"""Risk limits and HALT conditions: pure numba kernels shared by the simulator and live job.

Fractions, not percent (0.05 = 5 %); a limit of 0 means "not set". HALT codes are the
``HALT_*`` constants of ``quant.core.sim.layout``: daily loss lifts on the next trading day,
drawdown and consecutive losses are latched, volatility is per symbol and lifts when the
volatility falls back below the limit.
"""

from __future__ import annotations

import math

from quant.core.jit import njit
from quant.core.sim.layout import (
    HALT_CONSEC_LOSSES,
    HALT_DAILY_LOSS,
    HALT_DRAWDOWN,
    HALT_NONE,
)


@njit(inline="always")
def cap_position(units: float, price: float, equity: float, max_pos: float) -> float:
    """Clip a position size (units >= 0) so its notional is at most ``max_pos`` x equity."""
    if max_pos <= 0.0:
        return units
    if not (price > 0.0 and equity > 0.0):
        return 0.0
    return min(units, max_pos * equity / price)


@njit(inline="always")
def cap_exposure(
    units: float, price: float, equity: float, gross_other: float, max_exposure: float
) -> float:
    """Clip a position size so gross exposure (others' notional + this one) <= limit x equity."""
    if max_exposure <= 0.0:
        return units
    if not (price > 0.0 and equity > 0.0):
        return 0.0
    room = max_exposure * equity - gross_other
    return min(units, max(room, 0.0) / price)


@njit
def account_halt(
    current: int,
    new_day: bool,
    equity: float,
    day_start_equity: float,
    peak_equity: float,
    consecutive_losses: float,
    max_daily_loss: float,
    max_drawdown: float,
    max_consecutive: float,
) -> int:
    """The account's HALT code after this bar (``HALT_NONE`` while trading is allowed)."""
    if current == HALT_DRAWDOWN or current == HALT_CONSEC_LOSSES:  # noqa: SIM109 (numba)
        return current
    state = current
    if state == HALT_DAILY_LOSS and new_day:
        state = HALT_NONE
    if max_drawdown > 0.0 and peak_equity > 0.0 and equity <= peak_equity * (1.0 - max_drawdown):
        return HALT_DRAWDOWN
    if max_consecutive > 0.0 and consecutive_losses >= max_consecutive:
        return HALT_CONSEC_LOSSES
    if (
        max_daily_loss > 0.0
        and day_start_equity > 0.0
        and equity <= day_start_equity * (1.0 - max_daily_loss)
    ):
        return HALT_DAILY_LOSS
    return state


@njit
def volatility_halt(sigma: float, ppy: float, max_vol: float) -> bool:
    """True when the annualised volatility ``sigma * sqrt(ppy)`` exceeds ``max_vol`` (> 0)."""
    if max_vol <= 0.0 or math.isnan(sigma):
        return False
    return sigma * math.sqrt(ppy) > max_vol
