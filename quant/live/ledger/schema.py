"""The ledger's tables (SQLAlchemy Core), as of the newest schema version.

Conventions: timestamps are int64 nanoseconds since the epoch, UTC (``*_ns``, ``bar_ts``);
prices, quantities, fees and cash are exact decimals stored as text (``DecimalText``) so
SQLite and Postgres hold the same digits; structured state (strategy state, streaming
feature state, audit detail) is JSON text, never pickle. Sides are ``buy`` / ``sell``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class DecimalText(TypeDecorator[Decimal]):
    """A ``Decimal`` stored as its exact text (no float round trip on any backend)."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        """Decimal (or int/str) -> canonical text; floats are refused (they are inexact)."""
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("ledger amounts must be Decimal, int or str, not float")
        return str(Decimal(value))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        """Text -> Decimal."""
        return None if value is None else Decimal(value)


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("description", Text, nullable=False),
    Column("applied_ns", BigInteger, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("client_order_id", String(64), primary_key=True),  # the idempotency key
    Column("broker_order_id", String(128), nullable=True, unique=True),
    Column("strategy", String(128), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("side", String(4), nullable=False),  # buy | sell
    Column("order_type", String(8), nullable=False),  # market | limit | stop
    Column("qty", DecimalText, nullable=False),
    Column("limit_price", DecimalText, nullable=True),
    Column("stop_price", DecimalText, nullable=True),
    Column("filled_qty", DecimalText, nullable=False),
    Column("status", String(20), nullable=False),
    Column("bar_ts", BigInteger, nullable=False),  # the bar the decision was made on
    Column("reason", Text, nullable=True),  # why rejected / cancelled
    Column("created_ns", BigInteger, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
)
Index("ix_orders_strategy_status", orders.c.strategy, orders.c.status)

fills = Table(
    "fills",
    metadata,
    Column("fill_id", String(128), primary_key=True),  # broker's execution id (idempotent)
    Column("client_order_id", String(64), ForeignKey("orders.client_order_id"), nullable=False),
    Column("qty", DecimalText, nullable=False),
    Column("price", DecimalText, nullable=False),
    Column("fee", DecimalText, nullable=False),
    Column("ts", BigInteger, nullable=False),
)
Index("ix_fills_order", fills.c.client_order_id)

positions = Table(
    "positions",
    metadata,
    Column("strategy", String(128), primary_key=True),
    Column("symbol", String(64), primary_key=True),
    Column("qty", DecimalText, nullable=False),  # signed units
    Column("avg_price", DecimalText, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
)

cash = Table(
    "cash",
    metadata,
    Column("account", String(128), primary_key=True),
    Column("amount", DecimalText, nullable=False),
    Column("updated_ns", BigInteger, nullable=False),
)

strategy_state = Table(
    "strategy_state",
    metadata,
    Column("strategy", String(128), primary_key=True),
    Column("state", Text, nullable=False),  # JSON
    Column("bar_ts", BigInteger, nullable=True),
    Column("updated_ns", BigInteger, nullable=False),
)

feature_state = Table(
    "feature_state",
    metadata,
    Column("strategy", String(128), primary_key=True),
    Column("symbol", String(64), primary_key=True),
    Column("state", Text, nullable=False),  # JSON: numeric arrays as lists
    Column("bar_ts", BigInteger, nullable=True),
    Column("updated_ns", BigInteger, nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ts", BigInteger, nullable=False),
    Column("who", String(128), nullable=False),
    Column("what", String(128), nullable=False),
    Column("why", Text, nullable=False),
    Column("detail", Text, nullable=False),  # JSON object
)

# --- version 2: risk state ------------------------------------------------------------------

halt_state = Table(
    "halt_state",
    metadata,
    Column("scope", String(128), primary_key=True),  # "global" or a strategy name
    Column("halted", Boolean, nullable=False),
    Column("episode", Integer, nullable=False),  # increments on every HALT
    Column("code", String(32), nullable=False),  # which condition (or "manual")
    Column("action", String(8), nullable=False),  # close | freeze
    Column("reason", Text, nullable=False),
    Column("who", String(128), nullable=False),
    Column("since_ns", BigInteger, nullable=False),
)

recovery_steps = Table(
    "recovery_steps",
    metadata,
    Column("scope", String(128), primary_key=True),
    Column("episode", Integer, primary_key=True),
    Column("step", String(64), primary_key=True),
    Column("who", String(128), nullable=False),
    Column("why", Text, nullable=False),
    Column("ts", BigInteger, nullable=False),
)

breaker_state = Table(
    "breaker_state",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("state", String(10), nullable=False),  # closed | open | half_open
    Column("failures", Integer, nullable=False),  # consecutive failures while closed
    Column("trips", Integer, nullable=False),  # consecutive trips (grows the cooldown)
    Column("opened_ns", BigInteger, nullable=True),
    Column("retry_ns", BigInteger, nullable=True),  # open: when a trial call may go through
    Column("updated_ns", BigInteger, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("strategy", String(128), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("bar_ts", BigInteger, nullable=False),
    Column("intent", String(64), nullable=False),
    Column("first_seen_ns", BigInteger, nullable=False),
    Column("last_seen_ns", BigInteger, nullable=False),
    Column("duplicates", Integer, nullable=False),
)

symbol_marks = Table(
    "symbol_marks",
    metadata,
    Column("strategy", String(128), primary_key=True),
    Column("symbol", String(64), primary_key=True),
    Column("last_bar_ts", BigInteger, nullable=False),  # newest bar processed
    Column("replays", Integer, nullable=False),  # older messages rejected
    Column("updated_ns", BigInteger, nullable=False),
)

validation_failures = Table(
    "validation_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_order_id", String(64), nullable=False),
    Column("strategy", String(128), nullable=False),
    Column("symbol", String(64), nullable=False),
    Column("stage", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("order", Text, nullable=False),  # JSON of the rejected order
    Column("ts", BigInteger, nullable=False),
)

#: Tables each schema version creates (a released version's list never changes).
V1_TABLES = ("orders", "fills", "positions", "cash", "strategy_state", "feature_state", "audit")
V2_TABLES = (
    "halt_state",
    "recovery_steps",
    "breaker_state",
    "idempotency_keys",
    "symbol_marks",
    "validation_failures",
)
