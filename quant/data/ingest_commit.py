"""One chunk's commit inside an ingest's critical section, and the report it fills.

The caller holds the target dataset's writer lock (:func:`quant.data.ingest.ingest_source`);
these helpers read the source's progress and the per-symbol carry under it, check that the
dataset is still at the version this ingest left it, and commit quarantine then bars.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from quant.data.bars import empty_carry
from quant.data.ingest_errors import IngestInterrupted
from quant.data.quarantine import classify, drop_stored, quarantine_rows, rule_counts
from quant.data.resume import QUARANTINE, is_complete, recorded
from quant.data.sources import Chunk


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


def carry_of(store: Any, dataset: str) -> pl.DataFrame:
    """Each symbol's latest stored ``ts`` in ``dataset`` (the ordering rules' starting point)."""
    if not store.exists(dataset):
        return empty_carry()
    latest = (
        store.scan(dataset, columns=["symbol", "ts"])
        .group_by("symbol")
        .agg(pl.col("ts").max().alias("last_ts"))
    )
    return pl.concat([empty_carry(), latest.collect()], how="vertical_relaxed")


def latest_of(store: Any, dataset: str) -> int | None:
    """The dataset's latest version, None when it does not exist."""
    return store.latest_version(dataset) if store.exists(dataset) else None


@dataclass
class Target:
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
        latest = latest_of(self.store, self.dataset)
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


def commit_chunk(
    t: Target, chunk: Chunk, carry: pl.DataFrame, report: IngestReport, label: str
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


def start_of(
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


def finish(store: Any, dataset: str, report: IngestReport, t0: float) -> None:
    """Fill the report's latest versions and elapsed seconds."""
    if store.exists(dataset):
        report.version = store.version_info(dataset).version
    if store.exists(QUARANTINE):
        report.quarantine_version = store.version_info(QUARANTINE).version
    report.seconds = round(time.perf_counter() - t0, 3)
