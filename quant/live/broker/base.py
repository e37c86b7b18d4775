"""The broker interface the live engine talks to; the paper broker and real brokers implement it.

Orders are identified by the engine's client order id (deterministic: strategy, symbol, bar
ts, role, sequence), so a submit repeated after a crash is recognised and not executed twice.
Quantities are units, prices quote currency, timestamps int64 ns UTC.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from quant.errors import QuantError

ORDER_TYPES = ("market", "limit", "stop")
TIFS = ("gtc", "day", "ioc")


class BrokerError(QuantError):
    """A broker refused a request (unknown order, bad modify, ...); the message says why."""


@dataclass(frozen=True)
class OrderRequest:
    """What the engine asks the broker to work (``side`` +1 buy / -1 sell)."""

    client_id: str
    symbol: str
    side: int
    type: str
    qty: float
    limit_price: float = math.nan
    stop_price: float = math.nan
    tif: str = "gtc"
    reduce_only: bool = False  # exits and brackets: never grow or flip the position
    priority: int = 1  # execution order within a symbol and bar (exits 0 before entries 1)
    ts: int = 0  # bar ts (ns) whose close produced the order; it can trade from the next bar


@dataclass
class BrokerOrder:
    """An order as the broker holds it (request + state)."""

    request: OrderRequest
    status: str
    filled_qty: float = 0.0
    avg_price: float = math.nan
    reason: str = ""
    seq: int = 0

    @property
    def client_id(self) -> str:
        """The engine's client order id."""
        return self.request.client_id

    @property
    def remaining(self) -> float:
        """Units still to fill."""
        return self.request.qty - self.filled_qty


@dataclass(frozen=True)
class Fill:
    """One execution (``fee`` and ``slippage`` in quote currency, ``slippage >= 0``)."""

    fill_id: str
    client_id: str
    symbol: str
    ts: int
    side: int
    qty: float
    price: float
    fee: float
    slippage: float


@dataclass
class Account:
    """Cash and signed positions in units, as the broker sees them."""

    cash: float
    positions: dict[str, float] = field(default_factory=dict)


class Broker(ABC):
    """Submit, modify, cancel, and read orders, fills and positions."""

    @abstractmethod
    def submit(self, request: OrderRequest) -> BrokerOrder:
        """Accept (or reject) a new order; a known ``client_id`` returns the existing order."""

    @abstractmethod
    def modify(
        self, client_id: str, qty: float | None = None, limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> BrokerOrder:  # fmt: skip
        """Change an open order's quantity or prices."""

    @abstractmethod
    def cancel(self, client_id: str) -> BrokerOrder:
        """Cancel an open order (a no-op on a terminal order, which is returned as is)."""

    @abstractmethod
    def order(self, client_id: str) -> BrokerOrder | None:
        """The order with this client id, or None."""

    @abstractmethod
    def open_orders(self) -> list[BrokerOrder]:
        """Orders still working (accepted or partially filled)."""

    @abstractmethod
    def orders(self) -> list[BrokerOrder]:
        """Every order the broker knows, in submission order."""

    @abstractmethod
    def fills_since(self, ts: int) -> list[Fill]:
        """Fills of bars at or after ``ts`` (ns), in execution order."""

    @abstractmethod
    def account(self) -> Account:
        """Cash and positions."""
