"""The ledger API on a real SQLite file and a real Postgres server: orders, fills, state,
audit, transactions."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy.exc import IntegrityError

from quant.config import load_settings
from quant.live.ledger import Ledger, LedgerError, LedgerUnavailable, NewOrder
from tests.live.backends import sqlite_only


def _order(coid: str = "k1", qty: str = "10") -> NewOrder:
    return NewOrder(coid, "sma", "AAPL", "buy", "limit", Decimal(qty), 7, Decimal("101.25"))


def test_order_and_fills_round_trip_exact_decimals(ledger: Ledger) -> None:
    with ledger.transaction() as tx:
        assert tx.record_order(_order())
        tx.update_order("k1", status="accepted", broker_order_id="B-1")
        assert tx.record_fill("f1", "k1", Decimal("4"), Decimal("101.2"), Decimal("0.01"), 9)
        assert tx.record_fill("f2", "k1", Decimal("6"), Decimal("101.25"), Decimal("0.02"), 10)
        tx.update_order("k1", status="filled")
    order = ledger.order("k1")
    assert order["filled_qty"] == Decimal("10")
    assert order["limit_price"] == Decimal("101.25")
    assert (order["status"], order["broker_order_id"]) == ("filled", "B-1")
    assert [f["fill_id"] for f in ledger.fills(client_order_id="k1")] == ["f1", "f2"]


def test_same_client_order_id_and_same_fill_id_are_not_written_twice(ledger: Ledger) -> None:
    with ledger.transaction() as tx:
        assert tx.record_order(_order())
        assert not tx.record_order(_order(qty="99"))
        assert tx.record_fill("f1", "k1", Decimal(4), Decimal(1), Decimal(0), 1)
        assert not tx.record_fill("f1", "k1", Decimal(4), Decimal(1), Decimal(0), 1)
    assert ledger.order("k1")["qty"] == Decimal(10)
    assert ledger.order("k1")["filled_qty"] == Decimal(4)


def test_error_in_transaction_rolls_back_every_write(ledger: Ledger) -> None:
    with pytest.raises(RuntimeError), ledger.transaction() as tx:
        tx.record_order(_order())
        tx.set_cash(Decimal("1000"))
        tx.audit("test", "partial", "about to fail")
        raise RuntimeError("crash in the middle of a live run")
    assert ledger.orders() == []
    assert ledger.cash() is None
    assert ledger.audit_trail() == []


def test_nested_transaction_joins_outer_and_inner_failure_rolls_back_alone(
    ledger: Ledger,
) -> None:
    with ledger.transaction() as outer:
        outer.record_order(_order("a"))
        with pytest.raises(LedgerError), ledger.transaction() as inner:
            inner.record_order(_order("b"))
            inner.update_order("missing", status="filled")
        with ledger.transaction() as inner:
            inner.record_order(_order("c"))
    assert [o["client_order_id"] for o in ledger.orders()] == ["a", "c"]


def test_audit_trail_is_append_only(ledger: Ledger) -> None:
    with ledger.transaction() as tx:
        tx.audit("alice", "halt", "drawdown", level=0.15)
    with pytest.raises(IntegrityError, match="append-only"), ledger.transaction() as tx:
        tx.conn.exec_driver_sql("UPDATE audit SET why = 'nothing happened'")
    with pytest.raises(IntegrityError, match="append-only"), ledger.transaction() as tx:
        tx.conn.exec_driver_sql("DELETE FROM audit")
    (entry,) = ledger.audit_trail()
    assert (entry["who"], entry["what"], entry["why"]) == ("alice", "halt", "drawdown")
    assert entry["detail"] == {"level": 0.15}


def test_feature_state_arrays_round_trip_bit_for_bit(ledger: Ledger) -> None:
    ring = np.array([1 / 3, np.nan, np.inf, -0.0, 5e-324, 1.7976931348623157e308])
    counts = np.arange(6, dtype=np.int64).reshape(2, 3)
    with ledger.transaction() as tx:
        tx.save_feature_state("sma", "AAPL", {"ring": ring, "n": counts, "k": 3}, bar_ts=42)
        tx.save_strategy_state("sma", {"pos": Decimal("1.5")}, bar_ts=42)
    with ledger.read() as r:
        back = r.feature_state("sma", "AAPL")
        assert r.state_bar_ts("sma", "AAPL") == 42
        assert r.strategy_state("sma") == {"pos": Decimal("1.5")}
    assert back["ring"].tobytes() == ring.tobytes()
    assert back["n"].dtype == np.int64 and (back["n"] == counts).all()


def test_floats_are_refused_as_amounts(ledger: Ledger) -> None:
    with pytest.raises(Exception, match="Decimal"), ledger.transaction() as tx:
        tx.set_cash(1000.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="qty must be a Decimal"):
        NewOrder("k", "s", "X", "buy", "market", 1.0, 0)  # type: ignore[arg-type]


def test_unknown_status_and_unknown_order_are_refused(ledger: Ledger) -> None:
    with pytest.raises(LedgerError, match="status must be one of"), ledger.transaction() as tx:
        tx.record_order(_order(), status="done")
    with pytest.raises(LedgerError, match="unknown order"), ledger.transaction() as tx:
        tx.record_fill("f", "nope", Decimal(1), Decimal(1), Decimal(0), 1)


def test_positions_and_cash_upsert(ledger: Ledger) -> None:
    with ledger.transaction() as tx:
        tx.set_position("sma", "AAPL", Decimal(5), Decimal("100"))
        tx.set_cash(Decimal("500"))
    with ledger.transaction() as tx:
        tx.set_position("sma", "AAPL", Decimal(-2), Decimal("101"))
        tx.set_cash(Decimal("700.5"))
    (pos,) = ledger.positions()
    assert (pos["qty"], pos["avg_price"]) == (Decimal(-2), Decimal(101))
    assert ledger.cash() == Decimal("700.5")


def test_ledger_url_comes_from_quant_ledger_setting(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("QUANT_LEDGER", str(tmp_path / "led"))
    url = load_settings().ledger_url()
    assert url == f"sqlite:///{(tmp_path / 'led' / 'live.db').resolve()}"
    led = Ledger.from_settings()
    assert (tmp_path / "led" / "live.db").is_file() and led.schema_version >= 2
    monkeypatch.setenv("QUANT_LEDGER", "postgresql://bot:s3cret@db/live")
    assert "s3cret" not in str(load_settings().public_dict())


@sqlite_only
def test_sqlite_ledger_runs_in_wal_mode(ledger: Ledger) -> None:
    with ledger.read() as r:
        assert r.conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert r.conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_reader_opens_and_reads_while_a_writer_holds_its_transaction(ledger_url: str) -> None:
    writer = Ledger(ledger_url)
    with writer.transaction() as tx:
        tx.record_order(_order("uncommitted"))
        reader = Ledger(ledger_url, busy_timeout_ms=100)  # opening takes no write lock
        assert reader.orders() == []  # the snapshot predates the commit
    assert [o["client_order_id"] for o in reader.orders()] == ["uncommitted"]


def test_second_writer_waits_then_fails_clearly_past_the_busy_timeout(ledger_url: str) -> None:
    first, second = Ledger(ledger_url), Ledger(ledger_url, busy_timeout_ms=100)
    with first.transaction() as tx:
        tx.set_cash(Decimal(1))
        with pytest.raises(LedgerUnavailable, match="is busy"), second.transaction():
            pass
    with second.transaction() as tx:  # free again once the first commits
        tx.set_cash(Decimal(2))
    assert first.cash() == Decimal(2)


@sqlite_only
def test_durability_level_is_a_choice_between_full_and_normal(ledger_url: str) -> None:
    normal = Ledger(ledger_url, synchronous="NORMAL")
    with normal.read() as r:
        assert r.conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    with pytest.raises(ValueError, match="FULL or NORMAL"):
        Ledger(ledger_url, synchronous="OFF; DROP TABLE orders")
