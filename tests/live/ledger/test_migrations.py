"""Schema versions: a v1 ledger migrates to v2 with its data intact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import inspect

from quant.live.ledger import SCHEMA_VERSION, Ledger, LedgerSchemaError, NewOrder
from quant.live.ledger.dialect import make_engine
from quant.live.ledger.migrations import current_version, migrate


def test_v1_ledger_migrates_to_v2_keeping_its_rows(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    assert migrate(engine, target=1) == 1
    assert not inspect(engine).has_table("halt_state")
    v1 = Ledger(ledger_url, migrate=False)
    with v1.transaction() as tx:
        tx.record_order(NewOrder("k1", "s", "AAPL", "sell", "market", Decimal(3), 1))
        tx.audit("test", "seed", "v1 data")

    v2 = Ledger(ledger_url)  # opening migrates (to the newest version)

    assert v2.schema_version == SCHEMA_VERSION >= 2
    assert inspect(v2.engine).has_table("halt_state")
    assert v2.order("k1")["qty"] == Decimal(3)
    assert [a["what"] for a in v2.audit_trail()] == ["seed"]
    with v2.read() as r:
        versions = r.conn.exec_driver_sql("SELECT version FROM schema_version").scalars().all()
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_migration_stops_at_the_target_version(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    assert migrate(engine, target=2) == 2
    assert inspect(engine).has_table("breaker_state")
    assert not inspect(engine).has_table("live_records")
    assert migrate(engine) == 3 and inspect(engine).has_table("live_records")


def test_migrating_twice_is_a_no_op(ledger_url: str) -> None:
    engine = make_engine(ledger_url)
    migrate(engine)
    assert migrate(engine) == SCHEMA_VERSION == current_version(engine)


def test_ledger_newer_than_the_code_is_refused(ledger_url: str) -> None:
    led = Ledger(ledger_url)
    with led.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO schema_version (version, description, applied_ns) VALUES (99, 'x', 0)"
        )
    with pytest.raises(LedgerSchemaError, match="newer than this code"):
        Ledger(ledger_url)
