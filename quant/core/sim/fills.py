"""The fill model: one pure function shared by the backtest simulator and the paper broker.

``fill_order(order, bar, cost, market_at_close)`` decides whether and how much of a working
order executes within one bar, at what price and for what fee. Inputs are tuples of floats
so either driver can call it with scalars:

* ``order = (side, remaining_qty, order_type, limit_price, stop_price)``;
* ``bar = (open, high, low, close, volume)``;
* ``cost = (participation, slip_model, slip_param, sigma, adv, fee_pct, fee_fixed, fee_min)``.

Rules (units: prices in quote currency, quantities in units, fractions not percent):

* the reference price is the bar's open for market orders (its close when
  ``market_at_close``); a buy limit fills at the open if the open is at or below the limit,
  else at the limit if the low reaches it; a buy stop fills at the open if the open gapped
  through the stop, else at the stop if the high reaches it (sells mirrored);
* quantity is capped at ``participation * volume`` when ``participation > 0``;
* slippage moves the price against the order by the model's impact fraction and applies in
  full (as in vectorbt and backtrader), so a slipped fill may lie outside the bar's
  [low, high]. Only with ``clamp_to_bar`` (an explicit opt-in) is the price clamped into
  the bar's range, which removes part of the slippage; ``fill_order_detail`` says when that
  happened so the simulator can count such fills. A limit never fills beyond its limit, and
  slippage is never a gain (``slippage >= 0``);
* fee per fill = ``max(fee_pct * notional + fee_fixed, fee_min)``.
"""

from __future__ import annotations

import math

from quant.core.jit import njit
from quant.core.records import ORDER_LIMIT, ORDER_MARKET, ORDER_STOP
from quant.core.sim.layout import SLIP_CONSTANT, SLIP_LINEAR, SLIP_SQRT

_SHAVE = 1.0 - 1e-12  # keeps cash >= 0 through the rounding of qty * price + fee


@njit
def fee_for(notional: float, fee_pct: float, fee_fixed: float, fee_min: float) -> float:
    """Fee of one fill of ``notional`` (quote currency): percent + fixed, at least the minimum."""
    if notional <= 0.0:
        return 0.0
    return max(notional * fee_pct + fee_fixed, fee_min)


@njit
def impact_fraction(
    model: float, param: float, qty: float, volume: float, sigma: float, adv: float
) -> float:
    """Adverse price move of a fill as a fraction of the reference price (>= 0).

    constant: ``param`` bps; linear: ``param * qty / volume`` (participation); square root:
    ``param * sigma * sqrt(qty / adv)`` with ``sigma`` the per-bar return volatility. A NaN
    or non-positive volume/ADV/sigma gives zero impact for the models that need it.
    """
    m = int(model)
    if m == SLIP_CONSTANT:
        return max(param, 0.0) * 1e-4
    if m == SLIP_LINEAR:
        if not volume > 0.0:
            return 0.0
        return max(param, 0.0) * qty / volume
    if m == SLIP_SQRT:
        if not (adv > 0.0 and sigma > 0.0):
            return 0.0
        return max(param, 0.0) * sigma * math.sqrt(qty / adv)
    return 0.0


@njit(inline="always")
def touch_price(
    side: float,
    order_type: float,
    limit_price: float,
    stop_price: float,
    bar: tuple[float, float, float, float, float],
    market_at_close: bool,
) -> float:
    """Reference price at which the order trades within ``bar``, or NaN if it does not."""
    o, h, lo, c = bar[0], bar[1], bar[2], bar[3]
    t = int(order_type)
    if t == ORDER_MARKET:
        return c if market_at_close else o
    if t == ORDER_LIMIT:
        if side > 0:
            if o <= limit_price:
                return o
            return limit_price if lo <= limit_price else math.nan
        if o >= limit_price:
            return o
        return limit_price if h >= limit_price else math.nan
    if t == ORDER_STOP:
        if side > 0:
            if o >= stop_price:
                return o
            return stop_price if h >= stop_price else math.nan
        if o <= stop_price:
            return o
        return stop_price if lo <= stop_price else math.nan
    return math.nan


@njit
def fill_order_detail(
    order: tuple[float, float, float, float, float],
    bar: tuple[float, float, float, float, float],
    cost: tuple[float, float, float, float, float, float, float, float],
    market_at_close: bool,
    clamp_to_bar: bool,
) -> tuple[float, float, float, float, bool]:
    """``fill_order`` plus a flag: True when ``clamp_to_bar`` removed part of the slippage."""
    side, remaining, otype, limit_price, stop_price = order
    h, lo, volume = bar[1], bar[2], bar[4]
    participation, slip_model, slip_param, sigma, adv, fee_pct, fee_fixed, fee_min = cost
    if not remaining > 0.0:
        return 0.0, math.nan, 0.0, 0.0, False
    ref = touch_price(side, otype, limit_price, stop_price, bar, market_at_close)
    if math.isnan(ref):
        return 0.0, math.nan, 0.0, 0.0, False
    qty = remaining
    if participation > 0.0:
        cap = participation * volume if volume > 0.0 else 0.0
        qty = min(qty, cap)
    if not qty > 0.0:
        return 0.0, math.nan, 0.0, 0.0, False
    impact = impact_fraction(slip_model, slip_param, qty, volume, sigma, adv)
    slipped = ref * (1.0 + side * impact)
    price = slipped
    if clamp_to_bar:
        price = min(max(price, lo), h)
    if int(otype) == ORDER_LIMIT:
        price = min(price, limit_price) if side > 0 else max(price, limit_price)
    price = max(price, ref) if side > 0 else min(price, ref)  # slippage is never a gain
    clamped = clamp_to_bar and (slipped > h if side > 0 else slipped < lo) and price != slipped
    slip = abs(price - ref) * qty
    fee = fee_for(qty * price, fee_pct, fee_fixed, fee_min)
    return qty, price, fee, slip, clamped


@njit
def fill_order(
    order: tuple[float, float, float, float, float],
    bar: tuple[float, float, float, float, float],
    cost: tuple[float, float, float, float, float, float, float, float],
    market_at_close: bool,
    clamp_to_bar: bool = False,
) -> tuple[float, float, float, float]:
    """Execute a working order against one bar: ``(qty, price, fee, slippage_cost)``.

    ``qty == 0`` means no fill in this bar. ``price`` includes slippage; ``slippage_cost`` is
    ``|price - reference| * qty`` (quote currency, >= 0). ``clamp_to_bar`` (default off)
    clamps the slipped price into the bar's [low, high].
    """
    qty, price, fee, slip, _ = fill_order_detail(order, bar, cost, market_at_close, clamp_to_bar)
    return qty, price, fee, slip


@njit
def cap_to_cash(
    qty: float,
    price: float,
    fee: float,
    slip: float,
    cash: float,
    fee_pct: float,
    fee_fixed: float,
    fee_min: float,
) -> tuple[float, float, float, bool]:
    """A buy fill cut to what ``cash`` pays for, fee included: ``(qty, fee, slip, capped)``.

    Unchanged (``capped`` False) when affordable; else the largest quantity whose cost plus
    fee stays within cash (0 when not even the minimum fee is covered), slippage pro rata.
    Both drivers apply it to buys that do not cover a short (the simulator and the paper
    broker's buying-power check).
    """
    if not qty * price + fee > cash:
        return qty, fee, slip, False
    q2 = (cash - fee_fixed) / (price * (1.0 + fee_pct)) * _SHAVE
    f2 = fee_for(q2 * price, fee_pct, fee_fixed, fee_min)
    if q2 * price + f2 > cash:  # the minimum fee binds
        q2 = (cash - f2) / price * _SHAVE
        f2 = fee_for(q2 * price, fee_pct, fee_fixed, fee_min)
    if q2 <= 0.0 or q2 * price + f2 > cash:
        q2 = 0.0
    return q2, f2, slip * q2 / qty, True
