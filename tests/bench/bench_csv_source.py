"""CSV source parse throughput vs polars' reader (``make bench``).

Peer: ``pl.read_csv`` of the same generated 1M-row canonical file (typed, multi-threaded, no
line numbers, raw text or quarantine reasons). The source is read in 200,000-row chunks, once
as written and once with every field quoted (RFC 4180). Process CPU time and wall time,
median of ``RUNS``; asserts only that every row was read and parsed.
"""

from __future__ import annotations

import statistics
import time

import polars as pl

from quant.data.sources import CsvSource
from tests.data.generate import write_bars_csv

ROWS = 1_000_000
RUNS = 3


def _timed(fn) -> tuple[float, float, int]:
    w0, c0 = time.perf_counter(), time.process_time()
    n = fn()
    return time.perf_counter() - w0, time.process_time() - c0, n


def _source(path):
    def read() -> int:
        chunks = CsvSource(path, timeframe="1m").chunks(200_000)
        return sum(c.frame["parse_reason"].null_count() for c in chunks)

    return read


def test_csv_source_vs_polars_read_csv(tmp_path):
    plain = write_bars_csv(tmp_path / "plain.csv", ROWS)
    quoted = tmp_path / "quoted.csv"
    pl.read_csv(plain, infer_schema=False).write_csv(quoted, quote_style="always")
    cases = {
        "polars read_csv": lambda: pl.read_csv(plain).height,
        "CsvSource": _source(plain),
        "CsvSource, all quoted": _source(quoted),
    }
    results = {}
    for name, fn in cases.items():
        runs = [_timed(fn) for _ in range(RUNS)]
        assert all(n == ROWS for _, _, n in runs)
        results[name] = (
            statistics.median(w for w, _, _ in runs),
            statistics.median(c for _, c, _ in runs),
        )
    peer_wall, peer_cpu = results["polars read_csv"]
    print(f"\nCSV parse of {ROWS:,} rows (median of {RUNS})")
    print("reader | wall s | cpu s | rows/s (wall) | wall vs polars | cpu vs polars")
    for name, (wall, cpu) in results.items():
        print(
            f"{name:22s} | {wall:6.2f} | {cpu:5.2f} | {ROWS / wall:13,.0f} | "
            f"{wall / peer_wall:13.2f}x | {cpu / peer_cpu:12.2f}x"
        )
