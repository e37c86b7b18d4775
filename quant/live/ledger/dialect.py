"""Everything dialect-specific about the ledger, in one place (SQLite and Postgres).

* ``make_engine``: SQLite files get WAL mode (readers never block the writer and never see
  a partial transaction), ``busy_timeout`` (a second writer waits instead of failing with
  "database is locked") and an explicit ``BEGIN IMMEDIATE`` for write transactions (the
  write lock is taken up front, so two writers never deadlock upgrading a read lock).
  Read transactions use a plain ``BEGIN`` (a consistent snapshot). Postgres gets the same
  semantics: a write transaction first takes one transaction-scoped advisory lock (writers
  queue, as with ``BEGIN IMMEDIATE``; the server releases it if the client dies), waiting
  at most ``busy_timeout`` (``lock_timeout``); a read transaction is ``REPEATABLE READ,
  READ ONLY`` (one snapshot for all its statements).
* ``upsert``: ``INSERT .. ON CONFLICT DO UPDATE`` through the dialect's own construct.
* ``append_only_ddl``: triggers that refuse UPDATE/DELETE on the audit trail (both raise
  an integrity error).

Everything else in ``quant.live.ledger`` is portable SQLAlchemy Core.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, make_url
from sqlalchemy.dialects import postgresql, sqlite

#: Execution option that marks a connection's transactions as read-only snapshots.
READ_MODE = "ledger_read"
#: Key of the Postgres advisory lock that serialises the ledger's write transactions.
WRITE_LOCK_KEY = 0x716E74_4C4544  # "qnt" "LED"


def make_engine(url: str, busy_timeout_ms: int = 30_000, synchronous: str = "FULL") -> Engine:
    """A SQLAlchemy engine for the ledger URL, with the dialect's concurrency settings.

    ``synchronous`` (SQLite): ``FULL`` fsyncs every commit (a committed order survives a
    power loss); ``NORMAL`` fsyncs at checkpoints only (still safe against a process crash
    or SIGKILL, may lose the last commits on power loss; commits cost far less).
    """
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, got {synchronous!r}")
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(url, busy_timeout_ms)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute(f"PRAGMA synchronous = {synchronous}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read = conn.get_execution_options().get(READ_MODE, False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")

    return engine


def _postgres_engine(url: str, busy_timeout_ms: int) -> Engine:
    """Postgres: writers queue on one advisory lock (bounded wait); reads are snapshots."""
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SELECT set_config('lock_timeout', %s, false)", (f"{busy_timeout_ms}ms",))
        dbapi_conn.commit()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(READ_MODE, False):
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        else:
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": WRITE_LOCK_KEY})

    return engine


@functools.cache
def upsert_stmt(dialect: str, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]) -> Any:
    """``INSERT .. ON CONFLICT (keys) DO UPDATE`` of the other columns (built once, bound later)."""
    if dialect == "sqlite":
        stmt: Any = sqlite.insert(table)
    elif dialect == "postgresql":
        stmt = postgresql.insert(table)
    else:  # pragma: no cover - only SQLite and Postgres are supported
        raise NotImplementedError(f"ledger upsert is not implemented for {dialect}")
    update = {k: stmt.excluded[k] for k in columns if k not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=update)


def upsert(conn: Connection, table: Table, values: dict[str, Any], keys: list[str]) -> None:
    """Insert ``values`` or, if a row with the same ``keys`` exists, update its other columns."""
    stmt = upsert_stmt(conn.dialect.name, table, tuple(sorted(values)), tuple(keys))
    conn.execute(stmt, values)


def append_only_ddl(dialect: str, table: str) -> list[str]:
    """DDL statements that make ``table`` append-only (UPDATE and DELETE raise)."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{table} is append-only' "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$ LANGUAGE plpgsql",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()",
        ]
    return []
