"""Store latency and reader throughput (``make bench``; set QUANT_BENCH_STORE_SIZES to override).

Peer: raw ``deltalake`` on an identical table (no lock, no metadata, no checksum), so the
ratio column is the store's overhead. Rollback and tag are metadata-only and should cost
about the same at every size. Reader throughput is measured idle and while two writer
processes append; the ratio busy/idle is printed. Asserts only that results agree.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import statistics
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from quant.data.store import DatasetStore

SIZES = [
    int(s) for s in os.environ.get("QUANT_BENCH_STORE_SIZES", "10000,1000000,10000000").split(",")
]
RUNS = 3
PAUSE_S = 0.1  # between a writer's commits (writers should not just burn both cores)
SYMBOLS = np.array(["IDX2006", "NDX", "NVDA", "ORCL", "SPX", "YHOO"])


def bars(n: int, seed: int = 0) -> pa.Table:
    """``n`` synthetic bars in the contract's schema (6 symbols, 1-minute steps)."""
    rng = np.random.default_rng(seed)
    close = 100 + rng.standard_normal(n).cumsum() * 0.01
    ts = np.datetime64("2020-01-01", "ns") + np.arange(n, dtype=np.int64) * 60_000_000_000
    return pa.table(
        {
            "symbol": pa.array(SYMBOLS[np.arange(n) % len(SYMBOLS)]),
            "ts": pa.array(ts, pa.timestamp("ns", tz="UTC")),
            "open": close,
            "high": close + 0.5,
            "low": close - 0.5,
            "close": close,
            "volume": rng.integers(1, 10_000, n).astype(float),
            "adj_close": pa.nulls(n, pa.float64()),
            "timeframe": pa.array(np.full(n, "1m")),
        }
    )


def _median_ms(fn, runs: int = RUNS) -> tuple[float, object]:
    times, out = [], None
    for i in range(runs):
        t0 = time.perf_counter()
        out = fn(i)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), out


def _variant(table: pa.Table, i: int) -> pa.Table:
    idx = table.schema.get_field_index("volume")
    return table.set_column(idx, "volume", pa.array(np.full(table.num_rows, float(i))))


def _row(size, op, store_ms, peer_ms=None):
    ratio = f"{store_ms / peer_ms:6.2f}" if peer_ms else "     -"
    peer = f"{peer_ms:10.1f}" if peer_ms else "         -"
    return f"{size:>10,} {op:<16} {store_ms:10.1f} {peer} {ratio}"


def _measure(n: int, root: Path) -> list[str]:
    """Median latencies of commit, read@version, rollback and tag at ``n`` rows."""
    table = bars(n)
    store = DatasetStore(root / f"lake{n}", lock_timeout_s=600)
    peer_uri = str(root / f"peer{n}")
    variants = [_variant(table, i) for i in range(RUNS)]  # share all but one column

    def data(i: int) -> pa.Table:
        return variants[i]

    commit_ms, _ = _median_ms(lambda i: store.overwrite("bench", data(i)))
    peer_commit_ms, _ = _median_ms(lambda i: write_deltalake(peer_uri, data(i), mode="overwrite"))
    read_ms, frame = _median_ms(lambda i: store.read("bench", version=0))
    peer_read_ms, peer_tbl = _median_ms(
        lambda i: DeltaTable(peer_uri, version=0).to_pyarrow_table()
    )
    v0, v1 = store.version_info("bench", 0), store.version_info("bench", 1)
    rb_ms, rb = _median_ms(lambda i: store.rollback("bench", to=i % 2, reason="bench"), runs=5)
    peer_rb_ms, _ = _median_ms(lambda i: DeltaTable(peer_uri).restore(i % 2), runs=5)
    tag_ms, _ = _median_ms(lambda i: store.tag("bench", f"t{i}", version=0), runs=5)

    assert frame.height == n == peer_tbl.num_rows
    assert rb.checksum == v0.checksum and rb.rows_total == n  # 5th rollback -> version 0
    assert v0.checksum != v1.checksum
    return [
        _row(n, "commit", commit_ms, peer_commit_ms),
        _row(n, "read@version", read_ms, peer_read_ms),
        _row(n, "rollback", rb_ms, peer_rb_ms),
        _row(n, "tag", tag_ms),
    ]


def test_store_latency_by_size(tmp_path: Path):
    lines = [f"{'rows':>10} {'operation':<16} {'store ms':>10} {'delta ms':>10} {'ratio':>6}"]
    for n in SIZES:
        lines += _measure(n, tmp_path)
    print("\nstore latency (median of runs; ratio = store / raw delta-rs)\n" + "\n".join(lines))


def _writer(lake: str, stop: str, n: int) -> None:
    store = DatasetStore(lake, lock_timeout_s=600)
    table = bars(n, seed=os.getpid())
    while not os.path.exists(stop):
        store.append("busy", table)
        time.sleep(PAUSE_S)


def _reads_per_s(store: DatasetStore, seconds: float, version: int | None) -> float:
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        df = store.read(
            "busy", version=version, columns=["symbol", "close"], filters=[("symbol", "=", "NVDA")]
        )
        assert df.height > 0
        count += 1
    return count / (time.perf_counter() - t0)


def test_reader_throughput_while_writers_run(tmp_path: Path):
    n = 10_000
    lake = str(tmp_path / "lake")
    store = DatasetStore(lake, lock_timeout_s=600)
    store.append("busy", bars(n))
    idle = statistics.median(_reads_per_s(store, 2.0, 0) for _ in range(RUNS))
    stop = str(tmp_path / "stop")
    ctx = mp.get_context("spawn")
    writers = [ctx.Process(target=_writer, args=(lake, stop, n)) for _ in range(2)]
    for w in writers:
        w.start()
    first = store.version_info("busy").version
    deadline = time.monotonic() + 120
    while store.version_info("busy").version < first + 2 and time.monotonic() < deadline:
        time.sleep(0.1)  # writers are up and committing
    busy = statistics.median(_reads_per_s(store, 2.0, 0) for _ in range(RUNS))
    busy_latest = statistics.median(_reads_per_s(store, 2.0, None) for _ in range(RUNS))
    Path(stop).touch()
    for w in writers:
        w.join(timeout=120)
    commits = store.version_info("busy").version - first
    assert store.verify("busy")["ok"]
    print(
        f"\nreader throughput (filtered reads/s of a 10k-row version, median of {RUNS} x 2 s):\n"
        f"  idle                                  {idle:8.1f}\n"
        f"  2 writer processes appending, pinned  {busy:8.1f}  ratio {busy / idle:.2f}\n"
        f"  2 writer processes appending, latest  {busy_latest:8.1f}  (table grows)\n"
        f"  writers made {commits} commits of {n} rows meanwhile"
    )
