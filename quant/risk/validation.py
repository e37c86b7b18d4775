"""Pre-trade validation: syntax -> instrument rules -> risk limits -> price sanity -> hours.

``validate_order`` turns an order request into a ``NewOrder`` with Decimal prices and
quantities rounded down to tick and lot, or raises ``OrderRejected`` naming the stage and
the reason. Pure: no I/O (``quant.live.pretrade`` records failures in the ledger). The risk
stage calls the simulator's own functions in ``quant.risk.limits``; it applies to orders
that grow the position (a reducing order is always allowed through it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from quant.core.sim.layout import HALT_DAILY_LOSS, HALT_NONE
from quant.errors import QuantError
from quant.risk.instruments import InstrumentRules, MarketHours, round_down, to_decimal
from quant.risk.limits import account_halt, cap_exposure, cap_position
from quant.risk.orders import ORDER_TYPES, SIDES, NewOrder

STAGES = ("syntax", "instrument", "risk_limits", "price_sanity", "market_hours")


class OrderRejected(QuantError):
    """An order failed a pre-trade stage; ``stage`` and ``reason`` say which and why."""

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"order rejected at {stage}: {reason}")
        self.stage = stage
        self.reason = reason


class ValidationConfig(BaseModel):
    """Rules of the pipeline; fractions of equity, 0 disables a limit."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    instruments: dict[str, InstrumentRules] = Field(default_factory=dict)
    max_position: float = Field(0.0, ge=0, description="Position notional / equity.")
    max_exposure: float = Field(0.0, ge=0, description="Gross notional / equity.")
    max_daily_loss: float = Field(0.02, ge=0, lt=1, description="Below the day's start equity.")
    max_concentration: float = Field(
        0.0, ge=0, le=1, description="Symbol share of gross exposure (with other positions)."
    )
    fat_finger: float = Field(0.05, gt=0, description="Max distance of a price from the last.")
    hours: MarketHours = MarketHours()


@dataclass(frozen=True)
class OrderRequest:
    """An order as the strategy wants it (numbers may still be floats or strings)."""

    client_order_id: str
    strategy: str
    symbol: str
    side: str
    order_type: str
    qty: Any
    bar_ts: int
    limit_price: Any = None
    stop_price: Any = None


@dataclass(frozen=True)
class AccountContext:
    """Account and market facts at decision time (quote currency, ns UTC)."""

    equity: float
    day_start_equity: float
    now_ns: int
    last_price: float | None = None
    position: float = 0.0  # signed units held in this symbol
    gross_other: float = 0.0  # gross notional of every other position
    extra: dict[str, Any] = field(default_factory=dict)


def validate_order(req: OrderRequest, acct: AccountContext, cfg: ValidationConfig) -> NewOrder:
    """Run every stage in order; the exact order to send, or OrderRejected(stage, reason)."""
    qty, limit, stop = _syntax(req)
    order = _instrument(req, qty, limit, stop, acct, cfg)
    _risk_limits(order, acct, cfg)
    _price_sanity(order, acct, cfg)
    if not cfg.hours.is_open(acct.now_ns):
        raise OrderRejected("market_hours", f"market closed for {req.symbol} at {acct.now_ns} ns")
    return order


def _syntax(req: OrderRequest) -> tuple[Decimal, Decimal | None, Decimal | None]:
    def fail(reason: str) -> OrderRejected:
        return OrderRejected("syntax", reason)

    if not req.client_order_id or not req.strategy or not req.symbol:
        raise fail("client_order_id, strategy and symbol are required")
    if req.side not in SIDES:
        raise fail(f"side must be one of {SIDES}, got {req.side!r}")
    if req.order_type not in ORDER_TYPES:
        raise fail(f"order type must be one of {ORDER_TYPES}, got {req.order_type!r}")
    try:
        qty = to_decimal(req.qty)
        limit = None if req.limit_price is None else to_decimal(req.limit_price)
        stop = None if req.stop_price is None else to_decimal(req.stop_price)
    except ValueError as err:
        raise fail(str(err)) from None
    if qty <= 0:
        raise fail(f"quantity must be positive, got {qty}")
    if (req.order_type == "limit") != (limit is not None):
        raise fail("a limit price is required for limit orders and only for them")
    if (req.order_type == "stop") != (stop is not None):
        raise fail("a stop price is required for stop orders and only for them")
    for name, p in (("limit", limit), ("stop", stop)):
        if p is not None and p <= 0:
            raise fail(f"{name} price must be positive, got {p}")
    return qty, limit, stop


def _instrument(
    req: OrderRequest,
    qty: Decimal,
    limit: Decimal | None,
    stop: Decimal | None,
    acct: AccountContext,
    cfg: ValidationConfig,
) -> NewOrder:
    rules = cfg.instruments.get(req.symbol)
    if rules is None:
        raise OrderRejected("instrument", f"no instrument rules for symbol {req.symbol!r}")
    lots = round_down(qty, rules.lot_size)
    if lots <= 0:
        raise OrderRejected("instrument", f"quantity {qty} is below the lot size {rules.lot_size}")
    limit = None if limit is None else round_down(limit, rules.tick_size)
    stop = None if stop is None else round_down(stop, rules.tick_size)
    ref = limit or stop or (None if acct.last_price is None else to_decimal(acct.last_price))
    if rules.min_notional > 0:
        if ref is None:
            raise OrderRejected("instrument", "no price to check the minimum notional against")
        if lots * ref < rules.min_notional:
            raise OrderRejected(
                "instrument", f"notional {lots * ref} is below the minimum {rules.min_notional}"
            )
    return NewOrder(req.client_order_id, req.strategy, req.symbol, req.side, req.order_type,
                    lots, req.bar_ts, limit, stop)  # fmt: skip


def _risk_limits(order: NewOrder, acct: AccountContext, cfg: ValidationConfig) -> None:
    signed = float(order.qty) if order.side == "buy" else -float(order.qty)
    after = acct.position + signed
    if abs(after) <= abs(acct.position):
        return  # reduces risk
    price = float(order.limit_price or order.stop_price or (acct.last_price or 0.0))
    units = abs(after)

    def fail(reason: str) -> OrderRejected:
        return OrderRejected("risk_limits", reason)

    if not price > 0:
        raise fail(f"no price to value the {order.symbol} order against the limits")

    if cap_position(units, price, acct.equity, cfg.max_position) < units:
        raise fail(f"position {units * price:.2f} would exceed {cfg.max_position:.0%} of equity")
    if cap_exposure(units, price, acct.equity, acct.gross_other, cfg.max_exposure) < units:
        raise fail(f"gross exposure would exceed {cfg.max_exposure:.0%} of equity")
    day = account_halt(HALT_NONE, False, acct.equity, acct.day_start_equity, 0.0, 0.0,
                       cfg.max_daily_loss, 0.0, 0.0)  # fmt: skip
    if day == HALT_DAILY_LOSS:
        raise fail(f"daily loss limit {cfg.max_daily_loss:.0%} reached: only reducing orders")
    gross = acct.gross_other + units * price  # concentration needs other positions
    share = units * price / gross if acct.gross_other > 0 else 0.0
    if cfg.max_concentration > 0 and share > cfg.max_concentration:
        raise fail(
            f"{order.symbol} would be {share:.0%} of gross exposure "
            f"(limit {cfg.max_concentration:.0%})"
        )


def _price_sanity(order: NewOrder, acct: AccountContext, cfg: ValidationConfig) -> None:
    last = acct.last_price
    if last is None or not last > 0:
        raise OrderRejected("price_sanity", f"no last price for {order.symbol}")
    for name, p in (("limit", order.limit_price), ("stop", order.stop_price)):
        if p is None:
            continue
        dist = abs(float(p) / last - 1.0)
        if dist > cfg.fat_finger:
            raise OrderRejected(
                "price_sanity",
                f"{name} price {p} is {dist:.1%} from the last price {last:g} "
                f"(band {cfg.fat_finger:.0%})",
            )
