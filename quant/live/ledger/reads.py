"""Read queries over the ledger, shared by read snapshots and write transactions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, func, select

from quant.live.ledger import schema, state_json


def _rows(conn: Connection, stmt: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _one(conn: Connection, stmt: Any) -> dict[str, Any] | None:
    row = conn.execute(stmt).first()
    return None if row is None else dict(row._mapping)


class LedgerReader:
    """Queries against one connection inside one transaction (a consistent snapshot)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _where(self, table: Table, **eq: Any) -> Any:
        stmt = select(table)
        for col, val in eq.items():
            if val is None:
                continue
            if isinstance(val, Sequence) and not isinstance(val, str):
                stmt = stmt.where(table.c[col].in_(list(val)))
            else:
                stmt = stmt.where(table.c[col] == val)
        return stmt

    # --- orders, fills, positions, cash ----------------------------------------------------
    def orders(
        self,
        strategy: str | None = None,
        symbol: str | None = None,
        status: str | Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Orders (oldest first), optionally filtered by strategy, symbol and status(es)."""
        t = schema.orders
        stmt = self._where(t, strategy=strategy, symbol=symbol, status=status)
        return _rows(self.conn, stmt.order_by(t.c.created_ns, t.c.client_order_id))

    def order(self, client_order_id: str) -> dict[str, Any] | None:
        """One order by its client order id, or None."""
        return _one(self.conn, self._where(schema.orders, client_order_id=client_order_id))

    def fills(
        self, client_order_id: str | None = None, strategy: str | None = None
    ) -> list[dict[str, Any]]:
        """Fills (by ts, then id), optionally of one order or one strategy."""
        f, o = schema.fills, schema.orders
        stmt = select(f, o.c.strategy, o.c.symbol, o.c.side).join(
            o, f.c.client_order_id == o.c.client_order_id
        )
        if client_order_id is not None:
            stmt = stmt.where(f.c.client_order_id == client_order_id)
        if strategy is not None:
            stmt = stmt.where(o.c.strategy == strategy)
        return _rows(self.conn, stmt.order_by(f.c.ts, f.c.fill_id))

    def positions(self, strategy: str | None = None) -> list[dict[str, Any]]:
        """Positions (signed qty, average price), by strategy then symbol."""
        t = schema.positions
        return _rows(
            self.conn, self._where(t, strategy=strategy).order_by(t.c.strategy, t.c.symbol)
        )

    def position(self, strategy: str, symbol: str) -> dict[str, Any] | None:
        """One position, or None if never set."""
        return _one(self.conn, self._where(schema.positions, strategy=strategy, symbol=symbol))

    def cash(self, account: str = "default") -> Decimal | None:
        """Cash of an account in the quote currency, or None if never set."""
        row = _one(self.conn, self._where(schema.cash, account=account))
        return None if row is None else row["amount"]

    # --- state -----------------------------------------------------------------------------
    def strategy_state(self, strategy: str) -> Any | None:
        """The strategy's saved state (JSON-decoded, arrays restored), or None."""
        row = _one(self.conn, self._where(schema.strategy_state, strategy=strategy))
        return None if row is None else state_json.loads(row["state"])

    def feature_state(self, strategy: str, symbol: str) -> Any | None:
        """The streaming-feature state of (strategy, symbol), or None."""
        row = _one(self.conn, self._where(schema.feature_state, strategy=strategy, symbol=symbol))
        return None if row is None else state_json.loads(row["state"])

    def state_bar_ts(self, strategy: str, symbol: str | None = None) -> int | None:
        """Bar timestamp (ns) the strategy (or its feature state for ``symbol``) was saved at."""
        if symbol is None:
            row = _one(self.conn, self._where(schema.strategy_state, strategy=strategy))
        else:
            t = schema.feature_state
            row = _one(self.conn, self._where(t, strategy=strategy, symbol=symbol))
        return None if row is None else row["bar_ts"]

    # --- audit and risk state ---------------------------------------------------------------
    def audit_trail(
        self, what: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Audit entries oldest first (the newest ``limit`` if given); detail JSON-decoded."""
        t = schema.audit
        stmt = self._where(t, what=what).order_by(t.c.id.desc())
        if limit is not None:
            stmt = stmt.limit(limit)
        rows = _rows(self.conn, stmt)[::-1]
        for r in rows:
            r["detail"] = state_json.loads(r["detail"])
        return rows

    def count_audit(self, what: str, since_ns: int) -> int:
        """Number of audit entries ``what`` at or after ``since_ns``."""
        t = schema.audit
        stmt = select(func.count()).where(t.c.what == what, t.c.ts >= since_ns)
        return int(self.conn.execute(stmt).scalar() or 0)

    def halt(self, scope: str = "global") -> dict[str, Any] | None:
        """The HALT row of a scope (``halted`` False once resumed), or None if never halted."""
        return _one(self.conn, self._where(schema.halt_state, scope=scope))

    def halts(self) -> list[dict[str, Any]]:
        """Every scope's HALT row."""
        return _rows(self.conn, select(schema.halt_state).order_by(schema.halt_state.c.scope))

    def recovery_steps(self, scope: str, episode: int) -> list[dict[str, Any]]:
        """Recovery steps confirmed for one HALT episode, in the order they were confirmed."""
        t = schema.recovery_steps
        stmt = self._where(t, scope=scope, episode=episode).order_by(t.c.ts, t.c.step)
        return _rows(self.conn, stmt)

    def breaker(self, name: str) -> dict[str, Any] | None:
        """Persisted circuit-breaker state, or None."""
        return _one(self.conn, self._where(schema.breaker_state, name=name))

    def breakers(self) -> list[dict[str, Any]]:
        """Every persisted circuit breaker."""
        return _rows(self.conn, select(schema.breaker_state).order_by(schema.breaker_state.c.name))

    def idempotency_key(self, key: str) -> dict[str, Any] | None:
        """A seen idempotency key with its duplicate count, or None."""
        return _one(self.conn, self._where(schema.idempotency_keys, key=key))

    def symbol_mark(self, strategy: str, symbol: str) -> dict[str, Any] | None:
        """Newest processed bar and replay count of (strategy, symbol), or None."""
        return _one(self.conn, self._where(schema.symbol_marks, strategy=strategy, symbol=symbol))

    def validation_failures(self, strategy: str | None = None) -> list[dict[str, Any]]:
        """Orders refused by pre-trade validation: stage, reason and the order (JSON)."""
        t = schema.validation_failures
        rows = _rows(self.conn, self._where(t, strategy=strategy).order_by(t.c.id))
        for r in rows:
            r["order"] = state_json.loads(r["order"])
        return rows
