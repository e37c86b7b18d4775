"""Ledger commit latency of one live bar (``make bench``): p50 / p99 against raw sqlite3.

One bar's transaction: an idempotency claim, an order recorded and acknowledged, a fill,
position, cash, the streaming-feature and strategy state (50 float64s), one audit entry.
Peer: the same statements through the ``sqlite3`` module directly (WAL, synchronous=FULL,
BEGIN IMMEDIATE), so the ratio is the cost of SQLAlchemy Core and the ledger's API.
Goal from issue 12: ledger commit under 5 ms. Asserts only that both hold the same rows.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

from quant.live.idempotency import IdempotencyGuard, order_key
from quant.live.ledger import Ledger, NewOrder

BARS = 300
STATE = np.random.default_rng(0).standard_normal(50)


def _ledger_bar(ledger: Ledger, guard: IdempotencyGuard, i: int) -> None:
    with ledger.transaction() as tx:
        claim = guard.claim("sma", "AAPL", i, "enter_long")
        tx.record_order(NewOrder(claim.key, "sma", "AAPL", "buy", "market", Decimal(1), i))
        tx.update_order(claim.key, status="accepted", broker_order_id=f"B{i}")
        tx.record_fill(f"F{i}", claim.key, Decimal(1), Decimal("100.5"), Decimal("0.1"), i)
        tx.update_order(claim.key, status="filled")
        tx.set_position("sma", "AAPL", Decimal(i + 1), Decimal("100.5"))
        tx.set_cash(Decimal(100_000 - i))
        tx.save_feature_state("sma", "AAPL", {"ring": STATE}, bar_ts=i)
        tx.save_strategy_state("sma", {"state": STATE}, bar_ts=i)
        tx.audit("engine", "bar", "committed", bar=i)


def _raw_setup(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.executescript(
        """
        CREATE TABLE keys (key TEXT PRIMARY KEY, n INT);
        CREATE TABLE marks (s TEXT, sym TEXT, ts INT, PRIMARY KEY (s, sym));
        CREATE TABLE orders (id TEXT PRIMARY KEY, status TEXT, broker TEXT, filled TEXT);
        CREATE TABLE fills (id TEXT PRIMARY KEY, oid TEXT, qty TEXT, price TEXT);
        CREATE TABLE pos (s TEXT, sym TEXT, qty TEXT, PRIMARY KEY (s, sym));
        CREATE TABLE cash (a TEXT PRIMARY KEY, amount TEXT);
        CREATE TABLE state (k TEXT PRIMARY KEY, v TEXT);
        CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT, detail TEXT);
        """
    )
    return con


def _raw_bar(con: sqlite3.Connection, i: int) -> None:
    key = order_key("sma", "AAPL", i, "enter_long")
    state = json.dumps(STATE.tolist())
    con.execute("BEGIN IMMEDIATE")
    con.execute("SELECT * FROM keys WHERE key = ?", (key,)).fetchall()
    con.execute("SELECT * FROM marks WHERE s = 'sma' AND sym = 'AAPL'").fetchall()
    con.execute("INSERT INTO keys VALUES (?, 0)", (key,))
    con.execute("INSERT OR REPLACE INTO marks VALUES ('sma', 'AAPL', ?)", (i,))
    con.execute("INSERT INTO orders VALUES (?, 'new', NULL, '0')", (key,))
    con.execute("UPDATE orders SET status = 'accepted', broker = ? WHERE id = ?", (f"B{i}", key))
    con.execute("INSERT INTO fills VALUES (?, ?, '1', '100.5')", (f"F{i}", key))
    con.execute("UPDATE orders SET filled = '1', status = 'filled' WHERE id = ?", (key,))
    con.execute("INSERT OR REPLACE INTO pos VALUES ('sma', 'AAPL', ?)", (str(i + 1),))
    con.execute("INSERT OR REPLACE INTO cash VALUES ('default', ?)", (str(100_000 - i),))
    con.execute("INSERT OR REPLACE INTO state VALUES ('f', ?)", (state,))
    con.execute("INSERT OR REPLACE INTO state VALUES ('s', ?)", (state,))
    con.execute("INSERT INTO audit (what, detail) VALUES ('bar', ?)", (json.dumps({"bar": i}),))
    con.execute("COMMIT")


def _times(fn) -> list[float]:
    out = []
    for i in range(BARS):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _p(ts: list[float], q: float) -> float:
    return statistics.quantiles(ts, n=100)[q - 1] if q < 100 else max(ts)


def test_bench_ledger_commit_latency(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger' / 'live.db'}")
    guard = IdempotencyGuard(ledger)
    con = _raw_setup(tmp_path / "raw.db")
    ours = _times(lambda i: _ledger_bar(ledger, guard, i))
    peer = _times(lambda i: _raw_bar(con, i))
    normal = Ledger(f"sqlite:///{tmp_path / 'normal.db'}", synchronous="NORMAL")
    g2 = IdempotencyGuard(normal)
    ours_normal = _times(lambda i: _ledger_bar(normal, g2, i))

    print(f"\nledger commit of one bar, {BARS} bars (ms)")
    print(f"{'':26}{'p50':>8}{'p99':>8}")
    rows = (("ledger (FULL)", ours), ("raw sqlite3 (FULL)", peer), ("ledger (NORMAL)", ours_normal))
    for name, ts in rows:
        print(f"{name:26}{statistics.median(ts):8.3f}{_p(ts, 99):8.3f}")
    print(f"ratio p50 ledger/raw: {statistics.median(ours) / statistics.median(peer):.2f}x")

    assert len(ledger.orders()) == BARS == con.execute("SELECT COUNT(*) FROM orders").fetchone()[0]
    assert len(ledger.fills()) == BARS
