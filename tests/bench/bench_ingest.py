"""Ingest throughput and peak memory vs plain polars (``make bench``).

Peer: ``pl.read_csv(file).write_parquet(out)`` on the same generated file, in the same run.
Each measurement is a fresh subprocess (peak RSS polled with psutil, imports included for
both); the time is measured inside the subprocess around the work only. Sizes come from
``QUANT_BENCH_INGEST_ROWS`` (default 1M, 10M, 30M: on this 2-core machine 100M rows means a
~6 GB file and a polars peer that needs > 10 GB, about 10 minutes per pair; set
``QUANT_BENCH_INGEST_ROWS=1000000,10000000,100000000`` to include it, and pass
``-p no:timeout``: a 100M pair outlasts the 600 s test timeout). The smallest size is
run ``RUNS`` times and the median reported; bigger sizes once (``QUANT_BENCH_INGEST_RUNS=3``:
every size three times). Besides the wall-time ratio the
CPU-time ratio (all threads, ``process_time``) is printed: on a shared machine it moves less.
Asserts only that the ingest stored exactly the rows polars read.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import psutil

from tests.data.generate import write_bars_csv
from tests.data.peak_rss import wait_with_peak_rss

ROOT = Path(__file__).resolve().parents[2]
SIZES = [
    int(s)
    for s in os.environ.get("QUANT_BENCH_INGEST_ROWS", "1000000,10000000,30000000").split(",")
]
RUNS = 3
#: Runs of every size (default: ``RUNS`` of the smallest, one of each bigger size).
RUNS_ALL = int(os.environ.get("QUANT_BENCH_INGEST_RUNS", "0"))
BUDGET_MB = 800  # above the CLI's measured cold start-up need (~515 MiB)

INGEST = """
import json, sys, time
from quant.data import ingest
from quant.data.store import DatasetStore
store = DatasetStore(sys.argv[2], lock_timeout_s=60)
t0, c0 = time.perf_counter(), time.process_time()
[r] = ingest.ingest(store, sys.argv[1], "bars_1m", max_memory_mb=float(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "rows": r.rows_written,
                  "chunk_rows": r.chunk_rows, "quarantined": r.rows_quarantined}))
"""
POLARS = """
import json, sys, time
import polars as pl
t0, c0 = time.perf_counter(), time.process_time()
df = pl.read_csv(sys.argv[1])
df.write_parquet(sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0,
                  "rows": df.height}))
"""


def _measure(code: str, *args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QUANT_LOG_LEVEL": "WARNING"}
    proc = psutil.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    peak, out, err = wait_with_peak_rss(proc, interval_s=0.02)
    assert proc.returncode == 0, err.decode()[-3000:]
    return {**json.loads(out.decode().strip().splitlines()[-1]), "peak_mb": peak / 2**20}


def test_ingest_vs_polars_read_csv_write_parquet(tmp_path):
    rows_out = []
    load0 = os.getloadavg()
    for n in SIZES:
        path = write_bars_csv(tmp_path / f"bars_{n}.csv", n)
        size_mb = path.stat().st_size / 2**20
        runs = RUNS_ALL or (RUNS if n == SIZES[0] else 1)
        ing, pol = [], []
        for i in range(runs):
            ing.append(_measure(INGEST, str(path), str(tmp_path / f"lake_{n}_{i}"), str(BUDGET_MB)))
            pol.append(_measure(POLARS, str(path), str(tmp_path / f"out_{n}_{i}.parquet")))
            (tmp_path / f"out_{n}_{i}.parquet").unlink()
        assert all(r["rows"] == n for r in ing + pol)
        print(
            f"\n{n:,} rows, seconds per run: ingest {[round(r['seconds'], 1) for r in ing]}, "
            f"polars {[round(r['seconds'], 1) for r in pol]}; load {os.getloadavg()}"
        )
        t_ing = statistics.median(r["seconds"] for r in ing)
        t_pol = statistics.median(r["seconds"] for r in pol)
        cpu_ratio = statistics.median(r["cpu"] for r in ing) / statistics.median(
            r["cpu"] for r in pol
        )
        rss_ing = statistics.median(r["peak_mb"] for r in ing)
        rss_pol = statistics.median(r["peak_mb"] for r in pol)
        rows_out.append(
            (
                n,
                size_mb,
                runs,
                ing[0]["chunk_rows"],
                n / t_ing,
                n / t_pol,
                t_ing / t_pol,
                cpu_ratio,
                rss_ing,
                rss_pol,
            )
        )
        path.unlink()
    print()
    print(f"ingest (--max-memory-mb {BUDGET_MB}) vs polars read_csv -> write_parquet")
    print(f"load average at start {load0}, at end {os.getloadavg()}")
    head = (
        "rows",
        "file MB",
        "runs",
        "chunk",
        "ingest rows/s",
        "polars rows/s",
        "time ratio",
        "CPU ratio",
        "ingest peak MB",
        "polars peak MB",
    )
    print(" | ".join(head))
    for r in rows_out:
        print(
            f"{r[0]:>11,} | {r[1]:7.0f} | {r[2]} | {r[3]:>7,} | {r[4]:13,.0f} | {r[5]:13,.0f} | "
            f"{r[6]:10.2f}x | {r[7]:9.2f}x | {r[8]:14.0f} | {r[9]:14.0f}"
        )
