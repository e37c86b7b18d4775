"""The order record at the boundary: what pre-trade validation returns and the ledger stores."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

SIDES = ("buy", "sell")
ORDER_TYPES = ("market", "limit", "stop")
#: Order life cycle (the broker's state machine enforces legal transitions).
ORDER_STATUSES = (
    "new",
    "accepted",
    "partially_filled",
    "filled",
    "cancelled",
    "rejected",
    "expired",
)
OPEN_STATUSES = ("new", "accepted", "partially_filled")


@dataclass(frozen=True)
class NewOrder:
    """An order about to be sent; ``client_order_id`` is its idempotency key.

    Quantities are positive units, prices in the quote currency, ``bar_ts`` the decision
    bar's timestamp in int64 nanoseconds UTC.
    """

    client_order_id: str
    strategy: str
    symbol: str
    side: str
    order_type: str
    qty: Decimal
    bar_ts: int
    limit_price: Decimal | None = None
    stop_price: Decimal | None = None

    def __post_init__(self) -> None:
        """Refuse an order the ledger could not store faithfully."""
        if self.side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {self.side!r}")
        if self.order_type not in ORDER_TYPES:
            raise ValueError(f"order_type must be one of {ORDER_TYPES}, got {self.order_type!r}")
        for name in ("qty", "limit_price", "stop_price"):
            v = getattr(self, name)
            if v is not None and not isinstance(v, Decimal):
                raise TypeError(f"{name} must be a Decimal, got {type(v).__name__}")
