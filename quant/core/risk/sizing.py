"""Position sizing: pure numba functions shared by the backtest simulator and the live job.

Every function returns a non-negative quantity in units (the caller applies the direction).
Prices are in quote currency, ``equity`` in quote currency, ``sigma``/``mu`` are per-bar log
return volatility/mean, ``ppy`` is bars per year. A NaN or non-positive input the rule needs
yields 0 units (no trade) rather than a guess.
"""

from __future__ import annotations

import math

import numpy as np

from quant.core.jit import njit
from quant.core.sim.fills import impact_fraction
from quant.core.sim.layout import (
    SIZE_FIXED,
    SIZE_FRACTION,
    SIZE_KELLY,
    SIZE_RISK,
    SIZE_VOL,
    SLIP_CONSTANT,
    SLIP_LINEAR,
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
def _risk_with_impact(q, unit_risk, price, slip_model, slip_param, sigma, adv):
    """Risk plus expected slippage of ``q`` units (quote currency; bar volume taken as ADV)."""
    return q * (unit_risk + price * impact_fraction(slip_model, slip_param, q, adv, sigma, adv))


@njit
def _root_guess(budget, unit_risk, price, slip_model, slip_param, sigma, adv):
    """Closed-form (constant, linear) or Newton (square-root) root of risk = ``budget``."""
    m = int(slip_model)
    k = max(slip_param, 0.0)
    if m == SLIP_CONSTANT:
        return budget / (unit_risk + price * k * 1e-4)
    if m == SLIP_LINEAR:  # p k/adv q^2 + u q = B, in the form that does not cancel
        a = price * k / adv
        return 2.0 * budget / (unit_risk + math.sqrt(unit_risk * unit_risk + 4.0 * a * budget))
    # square root: with r = sqrt(q), p k sigma / sqrt(adv) r^3 + u r^2 = B; Newton from
    # above (r^2 = B / u) descends monotonically on this convex, increasing cubic
    c = price * k * sigma / math.sqrt(adv)
    r = math.sqrt(budget / unit_risk)
    for _ in range(100):
        g = (c * r + unit_risk) * r * r - budget
        step = g / ((3.0 * c * r + 2.0 * unit_risk) * r)
        r -= step
        if not step > 1e-15 * r:
            break
    return r * r


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

    Solves ``q * (unit_risk + price * impact(q)) <= qty * unit_risk`` with the expected bar
    volume taken as ADV: the root in closed form (constant and linear impact) or by Newton's
    method (square root), then stepped float by float to the largest q that fits (a step
    or two). The more a market's impact grows with size (lower ADV, higher sigma), the
    smaller the result; with no slippage model it returns ``qty``.
    """
    if not (qty > 0.0 and unit_risk > 0.0 and price > 0.0):
        return max(qty, 0.0)
    budget = qty * unit_risk
    args = (unit_risk, price, slip_model, slip_param, sigma, adv)
    if _risk_with_impact(qty, *args) <= budget:
        return qty
    q = min(max(_root_guess(budget, *args), 0.0), qty)
    steps = 0
    while q > 0.0 and _risk_with_impact(q, *args) > budget and steps < 64:
        q = np.nextafter(q, 0.0)
        steps += 1
    while steps < 64:
        up = np.nextafter(q, math.inf)
        if up >= qty or _risk_with_impact(up, *args) > budget:
            break
        q = up
        steps += 1
    if steps < 64 and not math.isnan(q):
        return q
    lo, hi = 0.0, qty  # the guess was far off (extreme inputs): bisection
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _risk_with_impact(mid, *args) <= budget:
            lo = mid
        else:
            hi = mid
    return lo
