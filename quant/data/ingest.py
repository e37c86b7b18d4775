"""Streaming, memory-bounded, resumable ingest of bar files into the dataset store.

For each chunk of ``chunk_rows`` lines (derived from ``max_memory_mb`` when given): parse
(:mod:`quant.data.sources`), validate (:mod:`quant.data.bars`), append the bad rows to the
``quarantine`` dataset (reason, source file, line, raw text), then append the good rows to the
target dataset. Each commit records the source identity and progress in the store's ``extra``
commit metadata (``ingest.sha256``, ``ingest.last_line``, ``ingest.complete`` ...).

Resume: the bars dataset's latest ``ingest.last_line`` for this source is where reading
restarts; quarantine rows are re-written only past the quarantine's own recorded line, and
because quarantine is committed before bars for every chunk, a kill between the two commits
loses nothing and duplicates nothing. A source whose final chunk is recorded is skipped (a
re-run is a no-op). If the dataset was overwritten or rolled back after the last recorded
chunk, progress is not trusted and the file is read again; rows already in the dataset then
fail the ordering rules: identical re-deliveries of bars stored before this source are
counted as unchanged, anything else is quarantined, and nothing is duplicated.
"""

from __future__ import annotations

import glob
import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
import psutil

from quant.data.bars import TS_DTYPE, empty_carry
from quant.data.prefetch import prefetch
from quant.data.quarantine import classify, drop_stored, quarantine_rows, rule_counts
from quant.data.resume import QUARANTINE, is_complete, recorded, source_key
from quant.data.sources import Chunk, FileSource, open_source, sha256_of
from quant.data.store.names import check_dataset
from quant.errors import QuantError
from quant.log import get_logger

log = get_logger(__name__)

#: Measured peak working set per row of chunk size: the chunk being written (parsed columns,
#: validation temporaries, Arrow copy, Parquet encoder) plus the next one being parsed.
BYTES_PER_ROW = 1200
#: Memory the first store write adds to a fresh process (Delta writer runtime, checksum
#: kernel, allocator arenas); measured ~200-250 MiB.
WRITER_OVERHEAD = 256 * 2**20
MIN_CHUNK_ROWS = 1_000
MAX_CHUNK_ROWS = 2_000_000
DEFAULT_CHUNK_ROWS = 250_000
#: Recorded with every file chunk commit: how zone-less timestamps were interpreted.
TZ_NOTE = "naive timestamps taken as UTC; daily bars stamped 00:00 UTC of the trading date"
_TIMEFRAME = re.compile(r"bars_(\d+[smhdw])")


class IngestError(QuantError):
    """The ingest cannot start or continue (bad arguments, no files, too small a budget)."""


@dataclass
class Progress:
    """Progress after one committed chunk (passed to the ``progress`` callback)."""

    source: str
    chunk: int
    last_line: int
    rows: int
    rows_written: int
    rows_quarantined: int


@dataclass
class IngestReport:
    """What one file's ingest did; counts cover this run (not earlier interrupted runs)."""

    dataset: str
    source: str
    sha256: str
    format: str
    chunk_rows: int
    rows_read: int = 0
    rows_written: int = 0
    rows_quarantined: int = 0
    rows_unchanged: int = 0  # re-delivered bars identical to the stored ones (not re-written)
    blank_lines: int = 0
    chunks: int = 0
    resumed_after_line: int = 0
    already_complete: bool = False
    version: int | None = None  # latest version of the bars dataset after this run
    quarantine_version: int | None = None
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)


def chunk_rows_for_budget(max_memory_mb: float, baseline_bytes: int | None = None) -> int:
    """Rows per chunk so that process RSS stays under ``max_memory_mb`` (MiB).

    The budget minus the current RSS (imports) and the writer's fixed overhead is divided
    by ``BYTES_PER_ROW``.
    """
    base = psutil.Process().memory_info().rss if baseline_bytes is None else baseline_bytes
    base += WRITER_OVERHEAD
    avail = int(max_memory_mb * 2**20) - base
    rows = avail // BYTES_PER_ROW
    if rows < MIN_CHUNK_ROWS:
        raise IngestError(
            f"--max-memory-mb {max_memory_mb:g} is too small: the process already uses "
            f"{base / 2**20:.0f} MiB; allow at least "
            f"{(base + MIN_CHUNK_ROWS * BYTES_PER_ROW) / 2**20:.0f} MiB"
        )
    return int(min(rows, MAX_CHUNK_ROWS))


def resolve_timeframe(dataset: str, timeframe: str | None) -> str | None:
    """Explicit timeframe, else the one in a ``bars_<tf>`` dataset name, else None."""
    if timeframe:
        return timeframe
    m = _TIMEFRAME.fullmatch(dataset)
    return m.group(1) if m else None


def expand(pattern: str | Path) -> list[Path]:
    """Files named by a path or glob pattern, sorted (IngestError if none)."""
    text = str(pattern)
    paths = [Path(p) for p in sorted(glob.glob(text))] if glob.has_magic(text) else [Path(text)]
    if not paths:
        raise IngestError(f"no files match {text!r}")
    return paths


def ingest(
    store: Any,
    pattern: str | Path,
    dataset: str,
    *,
    symbol: str | None = None,
    timeframe: str | None = None,
    format: str | None = None,
    chunk_rows: int | None = None,
    max_memory_mb: float | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> list[IngestReport]:
    """Ingest every file matching ``pattern`` into ``dataset``; all files are opened first,
    so a file that cannot be read at all stops the ingest before anything is written."""
    if chunk_rows is not None and chunk_rows < 1:
        raise IngestError("--chunk-rows must be a positive number of rows")
    check_dataset(dataset)
    tf = resolve_timeframe(dataset, timeframe)
    sources = [open_source(p, symbol=symbol, timeframe=tf, format=format) for p in expand(pattern)]
    if chunk_rows is None:
        chunk_rows = chunk_rows_for_budget(max_memory_mb) if max_memory_mb else DEFAULT_CHUNK_ROWS
    return [ingest_source(store, s, dataset, chunk_rows, symbol, progress) for s in sources]


def _carry(store: Any, dataset: str) -> pl.DataFrame:
    if not store.exists(dataset):
        return empty_carry()
    latest = (
        store.scan(dataset, columns=["symbol", "ts"])
        .group_by("symbol")
        .agg(pl.col("ts").max().alias("last_ts"))
    )
    return pl.concat([empty_carry(), latest.collect()], how="vertical_relaxed")


@dataclass
class _Target:
    """Where one source's chunks go and what is already committed for it."""

    store: Any
    dataset: str
    source: str
    sha: str
    extra: dict[str, str]
    done_q: int  # quarantine rows at or before this line are already committed
    baseline: int | None


def _commit_chunk(
    t: _Target, chunk: Chunk, carry: pl.DataFrame, report: IngestReport, label: str
) -> tuple[pl.DataFrame, int, int]:
    """Validate one chunk, commit quarantine then bars; (new carry, good rows, bad rows)."""
    good, bad, carry = classify(chunk, carry)
    bad, unchanged = drop_stored(t.store, t.dataset, t.baseline, bad)
    report.rows_unchanged += unchanged
    report.chunks += 1
    report.rows_read += chunk.frame.height
    report.blank_lines += chunk.blank_lines
    extra = {
        **t.extra,
        "ingest.last_line": str(chunk.last_line),
        "ingest.complete": "true" if chunk.is_last else "false",
    }
    bad = bad.filter(pl.col("line") > t.done_q)
    if bad.height:
        t.store.append(
            QUARANTINE,
            quarantine_rows(bad, t.dataset, t.source, t.sha),
            message=f"quarantine {label}",
            extra={**extra, "ingest.good_rows": str(good.height)},
        )
        report.rows_quarantined += bad.height
        for r, n in rule_counts(bad).iter_rows():
            report.reasons[r] = report.reasons.get(r, 0) + n
    if good.height:
        t.store.append(t.dataset, good, message=f"ingest {label}", extra=extra)
        report.rows_written += good.height
        lo, hi = good["ts"].min(), good["ts"].max()
        report.first_ts = lo if report.first_ts is None else min(report.first_ts, lo)
        report.last_ts = hi if report.last_ts is None else max(report.last_ts, hi)
    return carry, good.height, bad.height


def ingest_source(
    store: Any,
    source: FileSource,
    dataset: str,
    chunk_rows: int,
    symbol: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> IngestReport:
    """Ingest one opened source, resuming after its last committed chunk."""
    t0 = time.perf_counter()
    path = str(source.path.resolve())
    sha = sha256_of(source.path)
    key = source_key(dataset, sha, symbol)
    report = IngestReport(dataset, path, sha, source.format, chunk_rows)
    bars_rec, baseline = recorded(store, dataset, key)
    q_rec, _ = recorded(store, QUARANTINE, key)
    done_bars = int(bars_rec.get("ingest.last_line", 0))
    done_q = max(int(q_rec.get("ingest.last_line", 0)), done_bars)
    if is_complete(bars_rec, q_rec):
        report.already_complete = True
        report.resumed_after_line = max(done_bars, done_q)
        _finish(store, dataset, report, t0)
        log.info("ingest already complete", source=path, dataset=dataset)
        return report
    report.resumed_after_line = done_bars
    carry = _carry(store, dataset)
    extra = {
        **key,
        "ingest.source": path,
        "ingest.format": source.format,
        "ingest.timezone": TZ_NOTE,
    }
    target = _Target(store, dataset, path, sha, extra, done_q, baseline)
    for chunk in prefetch(source.chunks(chunk_rows, after_line=done_bars)):
        label = f"{source.path.name} lines {chunk.frame['line'].min()}-{chunk.last_line}"
        carry, n_good, n_bad = _commit_chunk(target, chunk, carry, report, label)
        if progress is not None:
            rows = chunk.frame.height
            progress(Progress(path, report.chunks, chunk.last_line, rows, n_good, n_bad))
        del chunk
    _finish(store, dataset, report, t0)
    log.info(
        "ingest finished",
        source=path,
        dataset=dataset,
        rows_written=report.rows_written,
        rows_quarantined=report.rows_quarantined,
        seconds=report.seconds,
    )
    return report


def ingest_vendor(
    store: Any,
    vendor: Any,
    dataset: str,
    symbol: str,
    start: datetime,
    end: datetime,
    timeframe: str,
) -> IngestReport:
    """Fetch ``[start, end)`` bars of ``symbol`` from a (resilient) vendor and ingest them with
    the same validation and quarantine as files; ``line`` is the row number of the reply.

    The source identity is the vendor, symbol and range; a repeated fetch of the same range
    is recorded as complete and skipped.
    """
    t0 = time.perf_counter()
    ident = (
        f"vendor:{vendor.adapter.name}:{symbol}:{timeframe}:{start.isoformat()}:{end.isoformat()}"
    )
    sha = hashlib.sha256(ident.encode()).hexdigest()
    key = source_key(dataset, sha, symbol)
    report = IngestReport(dataset, ident, sha, "vendor", 0)
    bars_rec, baseline = recorded(store, dataset, key)
    q_rec, _ = recorded(store, QUARANTINE, key)
    if is_complete(bars_rec, q_rec):
        report.already_complete = True
        _finish(store, dataset, report, t0)
        return report
    frame = vendor.fetch_bars(symbol, start, end, timeframe)
    report.chunk_rows = frame.height
    chunk = Chunk(vendor_frame(frame, symbol, timeframe), frame.height, 0, is_last=True)
    extra = {**key, "ingest.source": ident, "ingest.format": "vendor"}
    target = _Target(store, dataset, ident, sha, extra, 0, baseline)
    _commit_chunk(target, chunk, _carry(store, dataset), report, ident)
    _finish(store, dataset, report, t0)
    return report


def vendor_frame(frame: pl.DataFrame, symbol: str, timeframe: str) -> pl.DataFrame:
    """A vendor reply as a source chunk frame (bar columns, ``line``, ``raw``, reasons)."""
    cols = [
        c
        for c in ("ts", "open", "high", "low", "close", "volume", "adj_close")
        if c in frame.columns
    ]
    missing = {"ts", "open", "high", "low", "close", "volume"} - set(cols)
    if missing:
        raise IngestError(f"vendor reply lacks column(s) {', '.join(sorted(missing))}")
    out = frame.select(
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("line"),
        pl.struct(cols).struct.json_encode().alias("raw"),
        pl.lit(symbol).alias("symbol"),
        pl.col("ts").cast(TS_DTYPE, strict=False).alias("ts"),
        *[
            pl.col(c).cast(pl.Float64, strict=False)
            for c in ("open", "high", "low", "close", "volume")
        ],
        (pl.col("adj_close") if "adj_close" in cols else pl.lit(None))
        .cast(pl.Float64, strict=False)
        .alias("adj_close"),
        pl.lit(timeframe).alias("timeframe"),
    )
    nulls = [
        pl.when(pl.col(c).is_null()).then(pl.lit(f"unparseable_{c}"))
        for c in ("ts", "open", "high", "low", "close", "volume")
    ]
    joined = pl.concat_str(nulls, separator="; ", ignore_nulls=True)
    return out.with_columns(pl.when(joined != "").then(joined).alias("parse_reason"))


def _finish(store: Any, dataset: str, report: IngestReport, t0: float) -> None:
    if store.exists(dataset):
        report.version = store.version_info(dataset).version
    if store.exists(QUARANTINE):
        report.quarantine_version = store.version_info(QUARANTINE).version
    report.seconds = round(time.perf_counter() - t0, 3)
