"""Writes to the ledger; every method runs inside the caller's ``ledger.transaction()``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, update

from quant.errors import QuantError
from quant.live.ledger import schema, state_json
from quant.live.ledger.dialect import upsert
from quant.live.ledger.reads import LedgerReader
from quant.risk.orders import ORDER_STATUSES, NewOrder

#: Order columns that may change after the order is recorded.
MUTABLE_ORDER_FIELDS = frozenset(
    ("status", "broker_order_id", "reason", "qty", "limit_price", "stop_price", "filled_qty")
)


class LedgerError(QuantError):
    """A ledger write was refused (unknown order, illegal value)."""


class LedgerTx(LedgerReader):
    """One open write transaction: reads see its own uncommitted writes."""

    def __init__(self, conn: Connection, clock: Callable[[], int]) -> None:
        super().__init__(conn)
        self.now = clock

    # --- orders and fills ------------------------------------------------------------------
    def record_order(self, order: NewOrder, status: str = "new") -> bool:
        """Insert an order; False (and nothing written) if its client order id already exists."""
        _check_status(status)
        if self.order(order.client_order_id) is not None:
            return False
        now = self.now()
        row = dataclasses.asdict(order)
        self.conn.execute(
            schema.orders.insert().values(
                **row, filled_qty=Decimal(0), status=status, created_ns=now, updated_ns=now
            )
        )
        return True

    def update_order(
        self,
        client_order_id: str,
        status: str | None = None,
        broker_order_id: str | None = None,
        reason: str | None = None,
        **changes: Any,
    ) -> None:
        """Change an order's status / broker id / reason / price or qty fields (must exist)."""
        if status is not None:
            _check_status(status)
            changes["status"] = status
        if broker_order_id is not None:
            changes["broker_order_id"] = broker_order_id
        if reason is not None:
            changes["reason"] = reason
        bad = set(changes) - MUTABLE_ORDER_FIELDS
        if bad:
            raise LedgerError(f"cannot change order fields {sorted(bad)}")
        t = schema.orders
        res = self.conn.execute(
            update(t)
            .where(t.c.client_order_id == client_order_id)
            .values(**changes, updated_ns=self.now())
        )
        if res.rowcount != 1:
            raise LedgerError(f"no order with client order id {client_order_id!r}")

    def record_fill(
        self,
        fill_id: str,
        client_order_id: str,
        qty: Decimal,
        price: Decimal,
        fee: Decimal,
        ts: int,
    ) -> bool:
        """Add a fill and raise the order's filled qty; False if ``fill_id`` is already in."""
        order = self.order(client_order_id)
        if order is None:
            raise LedgerError(f"fill {fill_id!r} for unknown order {client_order_id!r}")
        t = schema.fills
        if self.conn.execute(t.select().where(t.c.fill_id == fill_id)).first() is not None:
            return False
        self.conn.execute(
            t.insert().values(
                fill_id=fill_id,
                client_order_id=client_order_id,
                qty=qty,
                price=price,
                fee=fee,
                ts=ts,
            )
        )
        self.update_order(client_order_id, filled_qty=order["filled_qty"] + Decimal(qty))
        return True

    def set_position(self, strategy: str, symbol: str, qty: Decimal, avg_price: Decimal) -> None:
        """Set a position (signed units, average entry price)."""
        upsert(
            self.conn,
            schema.positions,
            {
                "strategy": strategy,
                "symbol": symbol,
                "qty": qty,
                "avg_price": avg_price,
                "updated_ns": self.now(),
            },
            ["strategy", "symbol"],
        )

    def set_cash(self, amount: Decimal, account: str = "default") -> None:
        """Set an account's cash (quote currency)."""
        upsert(
            self.conn,
            schema.cash,
            {"account": account, "amount": amount, "updated_ns": self.now()},
            ["account"],
        )

    # --- state ---------------------------------------------------------------------------
    def save_strategy_state(self, strategy: str, state: Any, bar_ts: int | None = None) -> None:
        """Store the strategy's state (JSON; NumPy arrays round-trip exactly)."""
        upsert(
            self.conn,
            schema.strategy_state,
            {
                "strategy": strategy,
                "state": state_json.dumps(state),
                "bar_ts": bar_ts,
                "updated_ns": self.now(),
            },
            ["strategy"],
        )

    def save_feature_state(
        self, strategy: str, symbol: str, state: Any, bar_ts: int | None = None
    ) -> None:
        """Store the streaming-feature state of (strategy, symbol) as JSON."""
        upsert(
            self.conn,
            schema.feature_state,
            {
                "strategy": strategy,
                "symbol": symbol,
                "state": state_json.dumps(state),
                "bar_ts": bar_ts,
                "updated_ns": self.now(),
            },
            ["strategy", "symbol"],
        )

    # --- audit, validation, risk rows ------------------------------------------------------
    def audit(self, who: str, what: str, why: str, **detail: Any) -> None:
        """Append to the audit trail: who did what, why, with JSON detail."""
        self.conn.execute(
            schema.audit.insert().values(
                ts=self.now(), who=who, what=what, why=why, detail=state_json.dumps(detail)
            )
        )

    def record_validation_failure(
        self, order: NewOrder | Mapping[str, Any], stage: str, reason: str
    ) -> None:
        """Record which pre-trade validation stage refused ``order`` and why."""
        fields = dataclasses.asdict(order) if isinstance(order, NewOrder) else dict(order)
        safe = {k: v if isinstance(v, str | int | float | Decimal | None) else repr(v)
                for k, v in fields.items()}  # fmt: skip
        self.conn.execute(
            schema.validation_failures.insert().values(
                client_order_id=str(safe.get("client_order_id") or ""),
                strategy=str(safe.get("strategy") or ""),
                symbol=str(safe.get("symbol") or ""),
                stage=stage,
                reason=reason,
                order=state_json.dumps(safe),
                ts=self.now(),
            )
        )

    def put_row(self, table: str, values: dict[str, Any]) -> None:
        """Upsert a risk-state row (halt_state, recovery_steps, breaker_state, ...) by its key."""
        if table not in schema.V2_TABLES or table == "validation_failures":
            raise LedgerError(f"put_row does not write table {table!r}")
        t = schema.metadata.tables[table]
        upsert(self.conn, t, values, [c.name for c in t.primary_key.columns])


def _check_status(status: str) -> None:
    if status not in ORDER_STATUSES:
        raise LedgerError(f"order status must be one of {ORDER_STATUSES}, got {status!r}")
