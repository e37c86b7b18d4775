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
fail the ordering rules and are quarantined rather than duplicated.
"""

from __future__ import annotations

import glob
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import psutil

from quant.data.bars import check_order, conform, empty_carry, rule_exprs, value_reason
from quant.data.sources import Chunk, FileSource, open_source, sha256_of
from quant.errors import QuantError
from quant.log import get_logger

log = get_logger(__name__)

QUARANTINE = "quarantine"
#: Measured peak working set per row of a chunk in flight (raw lines, parsed columns,
#: validation temporaries, the Arrow copy and Parquet encoder of the write), with slack.
BYTES_PER_ROW = 1000
#: Memory the first Delta write adds to a fresh process (writer runtime, allocator arenas).
WRITER_OVERHEAD = 192 * 2**20
MIN_CHUNK_ROWS = 1_000
MAX_CHUNK_ROWS = 2_000_000
DEFAULT_CHUNK_ROWS = 250_000
_TIMEFRAME = re.compile(r"^bars_(\d+[smhdw])$")
_RESET_OPS = ("overwrite", "rollback")


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
    m = _TIMEFRAME.match(dataset)
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
    tf = resolve_timeframe(dataset, timeframe)
    sources = [open_source(p, symbol=symbol, timeframe=tf, format=format) for p in expand(pattern)]
    if chunk_rows is None:
        chunk_rows = chunk_rows_for_budget(max_memory_mb) if max_memory_mb else DEFAULT_CHUNK_ROWS
    return [ingest_source(store, s, dataset, chunk_rows, symbol, progress) for s in sources]


def _key(dataset: str, sha: str, symbol: str | None) -> dict[str, str]:
    return {"ingest.dataset": dataset, "ingest.sha256": sha, "ingest.symbol": symbol or ""}


def _recorded(store: Any, name: str, key: dict[str, str]) -> tuple[dict[str, str], int | None]:
    """(``extra`` of the newest commit of ``name`` for this source, or {}; the *baseline*:
    the latest version written before this source's first commit, None if no such version).

    History before an overwrite or rollback is not trusted (the data may be gone).
    """
    if not store.exists(name):
        return {}, None
    history = store.versions(name)
    newest: dict[str, str] = {}
    baseline: int | None = history[-1].version
    for info in reversed(history):
        if info.operation in _RESET_OPS:
            break
        if all(info.extra.get(k) == v for k, v in key.items()):
            newest = newest or info.extra
            baseline = info.version - 1 if info.version > 0 else None
    return newest, baseline


def _is_complete(bars_rec: dict[str, str], q_rec: dict[str, str]) -> bool:
    """The final chunk is committed: to the bars, or to quarantine when it had no good rows."""
    return bars_rec.get("ingest.complete") == "true" or (
        q_rec.get("ingest.complete") == "true" and q_rec.get("ingest.good_rows") == "0"
    )


def source_status(
    store: Any, path: str | Path, dataset: str, symbol: str | None = None
) -> dict[str, Any]:
    """Whether the file as it is now is fully ingested into ``dataset`` (its sha256, progress)."""
    sha = sha256_of(Path(path))
    key = _key(dataset, sha, symbol)
    bars_rec, _ = _recorded(store, dataset, key)
    q_rec, _ = _recorded(store, QUARANTINE, key)
    return {
        "sha256": sha,
        "complete": _is_complete(bars_rec, q_rec),
        "last_line": int(bars_rec.get("ingest.last_line", 0)),
    }


def _carry(store: Any, dataset: str) -> pl.DataFrame:
    if not store.exists(dataset):
        return empty_carry()
    latest = (
        store.scan(dataset, columns=["symbol", "ts"])
        .group_by("symbol")
        .agg(pl.col("ts").max().alias("last_ts"))
    )
    return pl.concat([empty_carry(), latest.collect()], how="vertical_relaxed")


def classify(chunk: Chunk, carry: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Split a chunk into (good bars, bad rows with ``reason``, updated carry)."""
    frame = chunk.frame
    broken = pl.any_horizontal(list(rule_exprs().values())).fill_null(True)
    suspect = frame.select((pl.col("parse_reason").is_null() & broken).any()).item()
    reason = pl.col("parse_reason")
    if suspect:
        reason = pl.coalesce(reason, value_reason())
    df = frame.with_columns(reason.alias("reason"))
    valid = df.filter(pl.col("reason").is_null())
    order, carry = check_order(valid, carry)
    valid = valid.with_columns(order.alias("reason"))
    bad = pl.concat([df.filter(pl.col("reason").is_not_null()), valid.filter(order.is_not_null())])
    good = conform(valid.filter(pl.col("reason").is_null()))
    return good, bad.sort("line"), carry


_VALUES = ("open", "high", "low", "close", "volume")


def _drop_stored(
    store: Any, dataset: str, baseline: int | None, bad: pl.DataFrame
) -> tuple[pl.DataFrame, int]:
    """Drop rows rejected for ordering that repeat a bar stored *before* this source.

    A row whose ``(symbol, ts)`` was in the dataset at version ``baseline`` (before this
    source's first commit) is a ``duplicate_key``: when all its values equal the stored bar
    it is a harmless re-delivery (counted, not quarantined), otherwise it stays in
    quarantine, labelled as conflicting. Repeats within the source are always quarantined.
    """
    order = pl.col("reason").is_in(["duplicate_key", "ts_not_increasing"])
    stale = bad.filter(order)
    if stale.is_empty() or baseline is None:
        return bad, 0
    lo, hi = stale["ts"].min(), stale["ts"].max()
    stored = (
        store.scan(dataset, version=baseline, columns=["symbol", "ts", *_VALUES])
        .filter(pl.col("symbol").is_in(stale["symbol"].unique().to_list()))
        .filter(pl.col("ts").is_between(lo, hi))
        .join(stale.lazy().select("symbol", "ts").unique(), on=["symbol", "ts"], how="semi")
        .collect()
        .rename({c: f"_stored_{c}" for c in _VALUES})
    )
    if stored.is_empty():
        return bad, 0
    joined = stale.join(stored, on=["symbol", "ts"], how="left", maintain_order="left")
    has = pl.col("_stored_close").is_not_null()
    same = pl.all_horizontal([pl.col(c) == pl.col(f"_stored_{c}") for c in _VALUES])
    joined = joined.with_columns(
        pl.when(has & ~same)
        .then(pl.lit("duplicate_key (differs from the stored bar)"))
        .when(has)
        .then(pl.lit("unchanged"))
        .otherwise("reason")
        .alias("reason")
    )
    unchanged = joined.filter(pl.col("reason") == "unchanged").height
    kept = joined.filter(pl.col("reason") != "unchanged").select(bad.columns)
    return pl.concat([bad.filter(~order), kept]).sort("line"), unchanged


def _quarantine_rows(bad: pl.DataFrame, dataset: str, source: str, sha: str) -> pl.DataFrame:
    return bad.select(
        pl.lit(dataset).alias("dataset"),
        pl.lit(source).alias("source"),
        pl.lit(sha).alias("source_sha256"),
        pl.col("line").cast(pl.Int64),
        pl.col("reason"),
        pl.col("raw"),
        pl.col("symbol"),
        pl.col("ts"),
        pl.lit(datetime.now(UTC)).cast(pl.Datetime("ns", "UTC")).alias("ingested_at"),
    )


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
    key = _key(dataset, sha, symbol)
    report = IngestReport(dataset, path, sha, source.format, chunk_rows)
    bars_rec, baseline = _recorded(store, dataset, key)
    q_rec, _ = _recorded(store, QUARANTINE, key)
    done_bars = int(bars_rec.get("ingest.last_line", 0))
    done_q = max(int(q_rec.get("ingest.last_line", 0)), done_bars)
    if _is_complete(bars_rec, q_rec):
        report.already_complete = True
        report.resumed_after_line = max(done_bars, done_q)
        _finish(store, dataset, report, t0)
        log.info("ingest already complete", source=path, dataset=dataset)
        return report
    report.resumed_after_line = done_bars
    carry = _carry(store, dataset)
    base = {**key, "ingest.source": path, "ingest.format": source.format}
    for chunk in source.chunks(chunk_rows, after_line=done_bars):
        good, bad, carry = classify(chunk, carry)
        bad, unchanged = _drop_stored(store, dataset, baseline, bad)
        report.rows_unchanged += unchanged
        report.chunks += 1
        report.rows_read += chunk.frame.height
        report.blank_lines += chunk.blank_lines
        extra = {
            **base,
            "ingest.last_line": str(chunk.last_line),
            "ingest.complete": "true" if chunk.is_last else "false",
        }
        lines = f"{source.path.name} lines {chunk.frame['line'].min()}-{chunk.last_line}"
        bad = bad.filter(pl.col("line") > done_q)
        if bad.height:
            q = _quarantine_rows(bad, dataset, path, sha)
            store.append(
                QUARANTINE,
                q,
                message=f"quarantine {lines}",
                extra={**extra, "ingest.good_rows": str(good.height)},
            )
            report.rows_quarantined += bad.height
            for r, n in _rule_counts(bad).iter_rows():
                report.reasons[r] = report.reasons.get(r, 0) + n
        if good.height:
            store.append(dataset, good, message=f"ingest {lines}", extra=extra)
            report.rows_written += good.height
            lo, hi = good["ts"].min(), good["ts"].max()
            report.first_ts = lo if report.first_ts is None else min(report.first_ts, lo)
            report.last_ts = hi if report.last_ts is None else max(report.last_ts, hi)
        if progress is not None:
            progress(
                Progress(
                    path,
                    report.chunks,
                    chunk.last_line,
                    chunk.frame.height,
                    good.height,
                    bad.height,
                )
            )
        del good, bad, chunk
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


def _rule_counts(bad: pl.DataFrame) -> pl.DataFrame:
    """Rows per broken rule (a row breaking two rules counts for both; details dropped)."""
    rules = pl.col("reason").str.split("; ").list.eval(pl.element().str.replace(r" \(.*$", ""))
    return bad.select(rules.alias("rule")).explode("rule").group_by("rule").len()


def _finish(store: Any, dataset: str, report: IngestReport, t0: float) -> None:
    if store.exists(dataset):
        report.version = store.version_info(dataset).version
    if store.exists(QUARANTINE):
        report.quarantine_version = store.version_info(QUARANTINE).version
    report.seconds = round(time.perf_counter() - t0, 3)
