"""The ledger's SQL is portable: every table and the upsert compile for Postgres too."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

from quant.live.ledger import schema
from quant.live.ledger.dialect import append_only_ddl, upsert_stmt


def test_every_table_compiles_for_sqlite_and_postgres() -> None:
    for table in schema.metadata.sorted_tables:
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            ddl = str(CreateTable(table).compile(dialect=dialect))
            assert f"CREATE TABLE {table.name}" in ddl


def test_upsert_compiles_for_postgres() -> None:
    cols = ("avg_price", "qty", "strategy", "symbol", "updated_ns")
    stmt = upsert_stmt("postgresql", schema.positions, cols, ("strategy", "symbol"))
    sql = str(stmt.compile(dialect=postgresql.dialect()))
    assert "ON CONFLICT (strategy, symbol) DO UPDATE SET qty = excluded.qty" in sql
    assert "avg_price = excluded.avg_price" in sql


def test_audit_guard_exists_for_both_dialects() -> None:
    assert all("RAISE(ABORT" in d for d in append_only_ddl("sqlite", "audit"))
    assert any("RAISE EXCEPTION" in d for d in append_only_ddl("postgresql", "audit"))
