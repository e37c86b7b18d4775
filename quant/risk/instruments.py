"""Instrument rules and market hours for pre-trade validation; exact Decimal rounding.

Prices and quantities become ``Decimal`` at the order boundary: a float goes through its
shortest ``repr`` (``0.1`` -> ``Decimal("0.1")``, not the binary expansion), and is then
rounded DOWN to a whole number of ticks (prices) or lots (quantities).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field


def to_decimal(value: Any) -> Decimal:
    """A finite Decimal from a Decimal, int, str or float (floats via their shortest repr)."""
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        value = repr(value)
    try:
        out = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None
    if not out.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return out


def round_down(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded toward zero to a whole multiple of ``step`` (> 0), at step's exponent."""
    units = (value / step).to_integral_value(rounding=ROUND_DOWN)
    return (units * step).quantize(step)


class InstrumentRules(BaseModel):
    """Exchange rules of one symbol: price tick, quantity lot and minimum order notional."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    tick_size: Decimal = Field(Decimal("0.01"), gt=0)
    lot_size: Decimal = Field(Decimal("1"), gt=0)
    min_notional: Decimal = Field(Decimal("0"), ge=0, description="Quote currency.")


class MarketHours(BaseModel):
    """When orders may be sent: days of week (0 = Monday) and a daily window in ``tz``.

    The default is always open (crypto); US equities would be
    ``MarketHours(tz="America/New_York", open=time(9, 30), close=time(16), days=(0, 1, 2, 3, 4))``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    tz: str = "UTC"
    open: time = time(0, 0)
    close: time | None = None  # None: until midnight
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)

    def is_open(self, now_ns: int) -> bool:
        """True when ``now_ns`` (UTC nanoseconds) falls inside the trading window."""
        local = datetime.fromtimestamp(now_ns / 1e9, tz=UTC).astimezone(ZoneInfo(self.tz))
        if local.weekday() not in self.days:
            return False
        t = local.time()
        return t >= self.open and (self.close is None or t < self.close)
