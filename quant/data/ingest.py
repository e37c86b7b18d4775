"""Streaming, memory-bounded, resumable ingest of bar files into the dataset store.

For each chunk of ``chunk_rows`` lines (derived from ``max_memory_mb`` when given, see
:mod:`quant.data.ingest_budget`): parse (:mod:`quant.data.sources`), validate
(:mod:`quant.data.bars`), append the bad rows to the ``quarantine`` dataset (reason, source
file, line, raw text), then append the good rows to the target dataset. Each commit records
the source identity, progress and timeframe in the store's ``extra`` commit metadata
(``ingest.sha256``, ``ingest.last_line``, ``ingest.complete``, ``ingest.timeframe`` ...).

Critical section: one source is ingested under the target dataset's writer lock, from
reading its progress and the per-symbol carry to its last commit, so parallel ingests into
one dataset run one after the other and never duplicate rows. Between chunks the lock is lent
to a waiting priority writer (a rollback); if the dataset's latest version is then not the one
this ingest wrote last, it stops with :class:`IngestInterrupted` (a re-run completes the data).

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
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from quant.data.bars import TS_DTYPE
from quant.data.ingest_budget import (
    BYTES_PER_ROW,
    DEFAULT_CHUNK_ROWS,
    MIB,
    MIN_CHUNK_ROWS,
    chunk_rows_for_budget,
    current_rss,
    peak_rss,
    warm_up,
)
from quant.data.ingest_commit import (
    IngestReport,
    Target,
    carry_of,
    commit_chunk,
    finish,
    latest_of,
    start_of,
)
from quant.data.ingest_errors import IngestError, IngestInterrupted
from quant.data.ingest_timeframe import open_with_timeframe, resolve_timeframe
from quant.data.prefetch import prefetch
from quant.data.resume import QUARANTINE, source_key
from quant.data.sources import Chunk, FileSource, sha256_of
from quant.data.store.names import check_dataset
from quant.log import get_logger

__all__ = [
    "BYTES_PER_ROW",
    "DEFAULT_CHUNK_ROWS",
    "MIN_CHUNK_ROWS",
    "IngestError",
    "IngestInterrupted",
    "IngestReport",
    "Progress",
    "chunk_rows_for_budget",
    "expand",
    "ingest",
    "ingest_source",
    "ingest_vendor",
    "resolve_timeframe",
]

log = get_logger(__name__)

#: Recorded with every file chunk commit: how zone-less timestamps were interpreted.
TZ_NOTE = "naive timestamps taken as UTC; daily bars stamped 00:00 UTC of the trading date"


@dataclass
class Progress:
    """Progress after one committed chunk (passed to the ``progress`` callback)."""

    source: str
    chunk: int
    last_line: int
    rows: int
    rows_written: int
    rows_quarantined: int


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
    """Ingest every file matching ``pattern`` into ``dataset``; all files are opened (and a
    memory budget checked) first, so an unreadable file or too small a budget stops the ingest
    before anything is written."""
    if chunk_rows is not None and chunk_rows < 1:
        raise IngestError("--chunk-rows must be a positive number of rows")
    check_dataset(dataset)
    if dataset == QUARANTINE:
        raise IngestError(f"'{QUARANTINE}' holds rejected rows; ingest into another dataset")
    tf, origin = resolve_timeframe(dataset, timeframe)
    opened = []
    for path in expand(pattern):
        source, inferred = open_with_timeframe(path, symbol=symbol, timeframe=tf, format=format)
        src_tf = inferred or tf or getattr(source, "timeframe", None)
        how = "median spacing" if inferred else origin if tf else "file"
        opened.append(
            (source, {"ingest.timeframe": src_tf or "file column", "ingest.timeframe_from": how})
        )
    if chunk_rows is None and max_memory_mb:
        warm_up()
        chunk_rows = chunk_rows_for_budget(max_memory_mb)
        log.info(
            "memory budget",
            budget_mib=max_memory_mb,
            startup_rss_mib=round(current_rss() / MIB),
            startup_peak_mib=round(peak_rss() / MIB),
            chunk_rows=chunk_rows,
        )
    rows = chunk_rows or DEFAULT_CHUNK_ROWS
    return [
        ingest_source(store, s, dataset, rows, symbol, progress, tf_extra) for s, tf_extra in opened
    ]


def ingest_source(
    store: Any,
    source: FileSource,
    dataset: str,
    chunk_rows: int,
    symbol: str | None = None,
    progress: Callable[[Progress], None] | None = None,
    timeframe_extra: dict[str, str] | None = None,
) -> IngestReport:
    """Ingest one opened source, resuming after its last committed chunk.

    One critical section: the dataset's writer lock is held from reading the progress and
    the per-symbol carry to the last commit, so parallel ingests into one dataset run one
    after the other. Between chunks the lock is lent to a waiting priority writer (e.g. a
    rollback); if the dataset then changed, IngestInterrupted.
    """
    t0 = time.perf_counter()
    path = str(source.path.resolve())
    sha = sha256_of(source.path)
    key = source_key(dataset, sha, symbol)
    report = IngestReport(dataset, path, sha, source.format, chunk_rows)
    tf_extra = timeframe_extra or {}
    report.timeframe = tf_extra.get("ingest.timeframe")
    lock = store.lock(dataset)
    chunks: Iterator[Chunk] | None = None
    try:
        while True:
            with lock.hold("ingest"):
                if chunks is None:
                    done_bars, done_q, baseline, complete = start_of(store, dataset, key, report)
                    if complete:
                        break
                    extra = {
                        **key,
                        "ingest.source": path,
                        "ingest.format": source.format,
                        "ingest.timezone": TZ_NOTE,
                        **tf_extra,
                    }
                    seen = latest_of(store, dataset)
                    target = Target(store, dataset, path, sha, extra, done_q, baseline, seen)
                    carry = carry_of(store, dataset)
                    chunks = prefetch(source.chunks(chunk_rows, after_line=done_bars))
                    line = done_bars
                target.check_unchanged(line)
                finished = True
                for chunk in chunks:
                    target.check_unchanged(line)
                    label = (
                        f"{source.path.name} lines {chunk.frame['line'].min()}-{chunk.last_line}"
                    )
                    carry, n_good, n_bad = commit_chunk(target, chunk, carry, report, label)
                    line = chunk.last_line
                    if progress is not None:
                        rows = chunk.frame.height
                        progress(Progress(path, report.chunks, line, rows, n_good, n_bad))
                    del chunk
                    if lock.priority_waiting():
                        finished = False
                        break  # lend the lock; the chunks iterator resumes where it stopped
            if finished:
                break
    finally:
        if chunks is not None:
            chunks.close()  # type: ignore[attr-defined]
    finish(store, dataset, report, t0)
    if report.already_complete:
        log.info("ingest already complete", source=path, dataset=dataset)
        return report
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
    is recorded as complete and skipped. The fetch happens before the dataset's lock is
    taken; the progress check, carry and commits happen under it.
    """
    t0 = time.perf_counter()
    ident = (
        f"vendor:{vendor.adapter.name}:{symbol}:{timeframe}:{start.isoformat()}:{end.isoformat()}"
    )
    sha = hashlib.sha256(ident.encode()).hexdigest()
    key = source_key(dataset, sha, symbol)
    report = IngestReport(dataset, ident, sha, "vendor", 0, timeframe=timeframe)
    with store.lock(dataset).hold("ingest"):
        _, _, _, complete = start_of(store, dataset, key, report)
    if complete:
        finish(store, dataset, report, t0)
        return report
    frame = vendor.fetch_bars(symbol, start, end, timeframe)
    report.chunk_rows = frame.height
    chunk = Chunk(vendor_frame(frame, symbol, timeframe), frame.height, 0, is_last=True)
    extra = {
        **key,
        "ingest.source": ident,
        "ingest.format": "vendor",
        "ingest.timeframe": timeframe,
        "ingest.timeframe_from": "option",
    }
    with store.lock(dataset).hold("ingest"):
        _, _, baseline, complete = start_of(store, dataset, key, report)
        if not complete:
            target = Target(
                store, dataset, ident, sha, extra, 0, baseline, latest_of(store, dataset)
            )
            commit_chunk(target, chunk, carry_of(store, dataset), report, ident)
    finish(store, dataset, report, t0)
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
