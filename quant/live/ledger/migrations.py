"""Versioned schema migrations: a ``schema_version`` table plus ordered migration functions.

``migrate(engine)`` applies, in order and each in its own transaction, every migration
newer than the version recorded in ``schema_version`` (a fresh database is version 0).
A migration is a function of a Connection; once released its body never changes — a
schema change is a new function appended to ``MIGRATIONS``. Alembic would add a second
configuration tree and a script directory for what is a dozen lines here.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, func, inspect, select

from quant.errors import QuantError
from quant.live import engine_tables
from quant.live.ledger import schema
from quant.live.ledger.dialect import READ_MODE, append_only_ddl


class LedgerSchemaError(QuantError):
    """The ledger database is newer than this code, or a migration failed."""


def _create(conn: Connection, names: tuple[str, ...]) -> None:
    tables = [schema.metadata.tables[n] for n in names]
    schema.metadata.create_all(conn, tables=tables)


def _v1_core(conn: Connection) -> None:
    """Orders, fills, positions, cash, strategy/feature state and the append-only audit."""
    _create(conn, schema.V1_TABLES)
    for ddl in append_only_ddl(conn.dialect.name, "audit"):
        conn.exec_driver_sql(ddl)


def _v2_risk_state(conn: Connection) -> None:
    """HALT and recovery, circuit breakers, idempotency keys, symbol marks, failed stages."""
    _create(conn, schema.V2_TABLES)


def _v3_engine_records(conn: Connection) -> None:
    """The live engine's exact simulator records and per-bar values (``engine_tables``)."""
    engine_tables.metadata.create_all(conn, tables=[engine_tables.records, engine_tables.bars])


#: (version, description, function), strictly increasing versions.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "core: orders, fills, positions, cash, state, audit", _v1_core),
    (2, "risk state: halt, recovery, breakers, idempotency, marks, validation", _v2_risk_state),
    (3, "engine records: live_records, live_bars", _v3_engine_records),
]
LATEST = MIGRATIONS[-1][0]


def current_version(engine: Engine) -> int:
    """The schema version recorded in the database (0 for an empty database); a pure read."""
    with engine.connect().execution_options(**{READ_MODE: True}) as conn:
        if not inspect(conn).has_table("schema_version"):
            return 0
        return int(conn.execute(select(func.max(schema.schema_version.c.version))).scalar() or 0)


def migrate(engine: Engine, target: int | None = None) -> int:
    """Apply every pending migration up to ``target`` (default: the newest); the new version."""
    target = LATEST if target is None else target
    version = current_version(engine)
    if version > LATEST:
        raise LedgerSchemaError(
            f"ledger schema version {version} is newer than this code ({LATEST}); upgrade quant"
        )
    if version >= target:
        return version  # up to date: opening the ledger takes no write lock
    with engine.begin() as conn:
        schema.metadata.create_all(conn, tables=[schema.schema_version])
    for number, description, step in MIGRATIONS:
        if version < number <= target:
            with engine.begin() as conn:  # one transaction per migration: all or nothing
                again = conn.execute(select(func.max(schema.schema_version.c.version))).scalar()
                if (again or 0) >= number:  # another process migrated meanwhile
                    continue
                step(conn)
                conn.execute(
                    schema.schema_version.insert().values(
                        version=number, description=description, applied_ns=time.time_ns()
                    )
                )
            version = number
    return current_version(engine)
