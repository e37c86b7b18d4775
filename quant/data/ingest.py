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
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from quant.data.bars import TS_DTYPE, empty_carry
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
from quant.data.ingest_errors import IngestError, IngestInterrupted
from quant.data.ingest_timeframe import open_with_timeframe, resolve_timeframe
from quant.data.prefetch import prefetch
from quant.data.quarantine import classify, drop_stored, quarantine_rows, rule_counts
from quant.data.resume import QUARANTINE, is_complete, recorded, source_key
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


@dataclass
class IngestReport:
    """What one file's ingest did; counts cover this run (not earlier interrupted runs)."""

    dataset: str
    source: str
    sha256: str
    format: str
    chunk_rows: int
    timeframe: str | None = None  # the bars' timeframe (given, from the name, or inferred)
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


def _carry(store: Any, dataset: str) -> pl.DataFrame:
    if not store.exists(dataset):
        return empty_carry()
    latest = (
        store.scan(dataset, columns=["symbol", "ts"])
        .group_by("symbol")
        .agg(pl.col("ts").max().alias("last_ts"))
    )
    return pl.concat([empty_carry(), latest.collect()], how="vertical_relaxed")


def _latest(store: Any, dataset: str) -> int | None:
    return store.latest_version(dataset) if store.exists(dataset) else None


@dataclass
class _Target:
    """Where one source's chunks go, what is already committed for it, and the dataset
    version this ingest wrote (or found) last."""

    store: Any
    dataset: str
    source: str
    sha: str
    extra: dict[str, str]
    done_q: int  # quarantine rows at or before this line are already committed
    baseline: int | None
    seen: int | None  # latest version of the dataset as this ingest last left it

    def check_unchanged(self, after_line: int) -> None:
        """IngestInterrupted unless the dataset's latest version is still ``seen``."""
        latest = _latest(self.store, self.dataset)
        if latest == self.seen:
            return
        what = "was deleted"
        if latest is not None:
            info = self.store.version_info(self.dataset, latest)
            what = f"got version {latest} ({info.operation} by {info.author})"
        raise IngestInterrupted(
            f"dataset '{self.dataset}' {what} while {self.source} was being ingested; this "
            f"ingest last left it at version {self.seen} and stopped after line {after_line} "
            "with nothing more written. A rollback or overwrite makes its earlier progress "
            "untrusted: re-run the ingest to complete the data"
        )


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
        info = t.store.append(t.dataset, good, message=f"ingest {label}", extra=extra)
        t.seen = info.version
        report.rows_written += good.height
        lo, hi = good["ts"].min(), good["ts"].max()
        report.first_ts = lo if report.first_ts is None else min(report.first_ts, lo)
        report.last_ts = hi if report.last_ts is None else max(report.last_ts, hi)
    return carry, good.height, bad.height


def _start(
    store: Any, dataset: str, key: dict[str, str], report: IngestReport
) -> tuple[int, int, int | None, bool]:
    """Progress of this source, read under the lock: (bars line, quarantine line, baseline,
    complete)."""
    bars_rec, baseline = recorded(store, dataset, key)
    q_rec, _ = recorded(store, QUARANTINE, key)
    done_bars = int(bars_rec.get("ingest.last_line", 0))
    done_q = max(int(q_rec.get("ingest.last_line", 0)), done_bars)
    complete = is_complete(bars_rec, q_rec)
    report.already_complete = complete
    report.resumed_after_line = max(done_bars, done_q) if complete else done_bars
    return done_bars, done_q, baseline, complete


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
                    done_bars, done_q, baseline, complete = _start(store, dataset, key, report)
                    if complete:
                        break
                    extra = {
                        **key,
                        "ingest.source": path,
                        "ingest.format": source.format,
                        "ingest.timezone": TZ_NOTE,
                        **tf_extra,
                    }
                    seen = _latest(store, dataset)
                    target = _Target(store, dataset, path, sha, extra, done_q, baseline, seen)
                    carry = _carry(store, dataset)
                    chunks = prefetch(source.chunks(chunk_rows, after_line=done_bars))
                    line = done_bars
                target.check_unchanged(line)
                finished = True
                for chunk in chunks:
                    target.check_unchanged(line)
                    label = (
                        f"{source.path.name} lines {chunk.frame['line'].min()}-{chunk.last_line}"
                    )
                    carry, n_good, n_bad = _commit_chunk(target, chunk, carry, report, label)
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
    _finish(store, dataset, report, t0)
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
        _, _, _, complete = _start(store, dataset, key, report)
    if complete:
        _finish(store, dataset, report, t0)
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
        _, _, baseline, complete = _start(store, dataset, key, report)
        if not complete:
            target = _Target(
                store, dataset, ident, sha, extra, 0, baseline, _latest(store, dataset)
            )
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
