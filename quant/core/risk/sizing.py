"""Position sizing: pure numba functions shared by the backtest simulator and the live job.

Every function returns a non-negative quantity in units (the caller applies the direction).
Prices are in quote currency, ``equity`` in quote currency, ``sigma``/``mu`` are per-bar log
return volatility/mean, ``ppy`` is bars per year. A NaN or non-positive input the rule needs
yields 0 units (no trade) rather than a guess.
"""

from __future__ import annotations

import math

from quant.core.jit import njit
from quant.core.sim.fills import impact_fraction
from quant.core.sim.layout import (
    SIZE_FIXED,
    SIZE_FRACTION,
    SIZE_KELLY,
    SIZE_RISK,
    SIZE_VOL,
)


@njit(inline="always")
def fixed_qty(qty: float) -> float:
    """A constant number of units."""
    return max(qty, 0.0)


@njit(inline="always")
def fixed_fraction(equity: float, fraction: float, price: float) -> float:
    """Units whose notional is ``fraction`` of equity."""
    if not (price > 0.0 and equity > 0.0):
        return 0.0
    return max(fraction, 0.0) * equity / price


@njit(inline="always")
def risk_per_trade(equity: float, risk: float, stop_distance: float) -> float:
    """Units such that hitting the stop (``stop_distance`` per unit) loses ``risk`` x equity."""
    if not (stop_distance > 0.0 and equity > 0.0):
        return 0.0
    return max(risk, 0.0) * equity / stop_distance


@njit(inline="always")
def vol_target(equity: float, target_vol: float, sigma: float, price: float, ppy: float) -> float:
    """Units whose annualised volatility (``sigma * sqrt(ppy)`` per unit notional) is the target."""
    ann = sigma * math.sqrt(ppy)
    if not (ann > 0.0 and price > 0.0 and equity > 0.0):
        return 0.0
    return max(target_vol, 0.0) * equity / (ann * price)


@njit(inline="always")
def capped_kelly(equity: float, cap: float, mu: float, sigma: float, price: float) -> float:
    """Units for the Kelly fraction ``mu / sigma^2`` of equity, clipped to [0, cap]."""
    if not (sigma > 0.0 and price > 0.0 and equity > 0.0) or math.isnan(mu):
        return 0.0
    f = min(max(mu / (sigma * sigma), 0.0), max(cap, 0.0))
    return f * equity / price


@njit
def size_units(
    rule: int,
    param: float,
    equity: float,
    price: float,
    stop_distance: float,
    sigma: float,
    mu: float,
    ppy: float,
) -> float:
    """Dispatch to the sizing rule ``rule`` (``SIZE_*`` in ``quant.core.sim.layout``)."""
    if rule == SIZE_FIXED:
        return fixed_qty(param)
    if rule == SIZE_FRACTION:
        return fixed_fraction(equity, param, price)
    if rule == SIZE_RISK:
        return risk_per_trade(equity, param, stop_distance)
    if rule == SIZE_VOL:
        return vol_target(equity, param, sigma, price, ppy)
    if rule == SIZE_KELLY:
        return capped_kelly(equity, param, mu, sigma, price)
    return 0.0


@njit
def shrink_for_impact(
    qty: float,
    unit_risk: float,
    price: float,
    slip_model: float,
    slip_param: float,
    sigma: float,
    adv: float,
) -> float:
    """Largest q <= qty whose risk plus expected slippage stays within qty's risk budget.

    Solves ``q * (unit_risk + price * impact(q)) <= qty * unit_risk`` by bisection, with the
    expected bar volume taken as ADV. The more a market's impact grows with size (lower
    ADV, higher sigma), the smaller the result; with no slippage model it returns ``qty``.
    """
    if not (qty > 0.0 and unit_risk > 0.0 and price > 0.0):
        return max(qty, 0.0)
    budget = qty * unit_risk
    if (
        qty * (unit_risk + price * impact_fraction(slip_model, slip_param, qty, adv, sigma, adv))
        <= budget
    ):
        return qty
    lo, hi = 0.0, qty
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        cost = mid * (
            unit_risk + price * impact_fraction(slip_model, slip_param, mid, adv, sigma, adv)
        )
        if cost <= budget:
            lo = mid
        else:
            hi = mid
    return lo
