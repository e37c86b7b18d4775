"""Memory budget of an ingest: the process's measured start-up need and the chunk size left.

``--max-memory-mb`` bounds the peak resident memory (RSS) of the whole ``quant`` process,
from a cold start. The start-up need is measured, not guessed: :func:`warm_up` ingests a small
generated file into a temporary lake, so the Delta writer runtime, the Parquet encoder, the
checksum kernel (compiled when numba's cache is cold) and the parser threads are resident; the
process's high-water RSS so far (``VmHWM``) is what it needed before any data. The budget above the
current RSS, less a fixed headroom, is divided by :data:`BYTES_PER_ROW` (the measured
working set per row of chunk size) to give the rows per chunk; RSS is then flat in file
size. A budget below ``start-up need + one minimum chunk`` is refused before any write, naming
the minimum that works.
"""

from __future__ import annotations

import logging
import math
import resource
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import psutil

from quant.data.ingest_errors import IngestError

MIB = 2**20
#: Peak working set per row of chunk size: the chunk being written (parsed columns, validation
#: temporaries, Arrow copy, Parquet encoder) plus the next one being parsed; measured ~880.
BYTES_PER_ROW = 1200
#: What a real chunk adds beyond the warm-up whatever its size (allocator fragmentation,
#: larger encoder and thread buffers); measured ~55 MiB on 2 cores (bytes).
HEADROOM = 72 * MIB
MIN_CHUNK_ROWS = 1_000
#: How much the start-up need of two runs differs (thread timing); measured 1-3 MiB (bytes).
START_VARIANCE = 16 * MIB
MAX_CHUNK_ROWS = 2_000_000
DEFAULT_CHUNK_ROWS = 250_000
#: Rows of the generated file :func:`warm_up` ingests (in two chunks).
WARMUP_ROWS = 20_000


def current_rss() -> int:
    """Resident memory of this process now (bytes)."""
    return int(psutil.Process().memory_info().rss)


def vm_hwm(pid: int | str = "self") -> int | None:
    """Linux ``VmHWM`` of ``/proc/<pid>/status``: the kernel's high-water resident memory of
    the process's own address space (bytes); None where there is none (not Linux, exited)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def peak_rss() -> int:
    """High-water resident memory of this process (bytes): ``VmHWM`` on Linux. Not
    ``getrusage`` there: its ``ru_maxrss`` keeps the high-water mark of whatever the process
    was before ``exec`` (e.g. a large parent that spawned it), which would overstate the need.
    """
    hwm = vm_hwm()
    if hwm is not None:
        return hwm
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def warm_up() -> None:
    """Ingest a small generated file (two chunks) into a throw-away lake through the same
    path as real data, so that everything an ingest holds once it runs (Delta writer, Parquet
    encoder, checksum kernel, parser and read-ahead threads with their allocator arenas) is
    resident before the budget is measured. Writes nothing to the real lake."""
    from quant.data.ingest import ingest  # the ingest imports this module
    from quant.data.store import DatasetStore

    n = WARMUP_ROWS
    minutes = pl.int_range(0, n, eager=True)
    start = datetime(2000, 1, 3, tzinfo=UTC)
    bars = pl.DataFrame({"minute": minutes}).select(
        pl.lit("WARMUP").alias("symbol"),
        (pl.lit(start) + pl.duration(minutes=pl.col("minute"))).alias("ts"),
        *[(100.0 + pl.col("minute") % 7).alias(c) for c in ("open", "close")],
        (101.0 + pl.col("minute") % 7).alias("high"),
        (99.0 + pl.col("minute") % 7).alias("low"),
        pl.lit(100.0).alias("volume"),
    )
    quiet = logging.getLogger("quant.data")  # the warm-up's own "ingest finished" lines
    level = quiet.level
    quiet.setLevel(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="quant-ingest-warmup-") as tmp:
            path = Path(tmp) / "warmup.csv"
            bars.write_csv(path, datetime_format="%Y-%m-%dT%H:%M:%S")
            del bars
            store = DatasetStore(Path(tmp) / "lake", lock_timeout_s=5)
            ingest(store, path, "bars_1m", chunk_rows=n // 2)
    finally:
        quiet.setLevel(level)


def startup_need(rss: int, peak: int) -> int:
    """Smallest budget (bytes) that fits a process at ``rss`` now and ``peak`` at its high-water
    mark: the larger of the peak and the current RSS plus headroom and one minimum chunk."""
    return max(peak, rss + HEADROOM + MIN_CHUNK_ROWS * BYTES_PER_ROW)


def chunk_rows_for_budget(
    max_memory_mb: float, rss_bytes: int | None = None, peak_bytes: int | None = None
) -> int:
    """Rows per chunk so that the process's peak RSS stays at or under ``max_memory_mb`` MiB.

    ``rss_bytes``/``peak_bytes`` default to this process's current and high-water RSS (call
    :func:`warm_up` first); IngestError with the minimum budget when it cannot fit.
    """
    rss = current_rss() if rss_bytes is None else rss_bytes
    peak = peak_rss() if peak_bytes is None else peak_bytes
    budget = int(max_memory_mb * MIB)
    need = startup_need(rss, peak)
    if budget < need:
        minimum = math.ceil((need + START_VARIANCE) / MIB)  # the next run's start-up may differ
        raise IngestError(
            f"--max-memory-mb {max_memory_mb:g} is too small: before reading any data this "
            f"process needs {peak / MIB:.0f} MiB at its peak ({rss / MIB:.0f} MiB resident: "
            f"libraries, the Delta writer, the checksum kernel) plus room for one chunk of "
            f"{MIN_CHUNK_ROWS:,} rows; allow at least {minimum} MiB"
        )
    rows = (budget - rss - HEADROOM) // BYTES_PER_ROW
    return int(min(rows, MAX_CHUNK_ROWS))
