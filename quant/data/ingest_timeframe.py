"""The timeframe of ingested bars and where it came from.

In order: ``--timeframe``; the dataset name (``bars_<tf>``); the file itself (a
``timeframe`` column, or a daily-only format); else it is inferred from the data: the median
spacing of consecutive timestamps of each symbol in the file's first :data:`PROBE_ROWS`
lines (robust to overnight and weekend gaps). Symbols with different spacings, or too few
bars to measure, are a clear error asking for ``--timeframe``.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from quant.data.ingest_errors import IngestError
from quant.data.sources import FileSource, SourceError, open_source

PROBE_ROWS = 10_000
_NAME = re.compile(r"bars_(\d+[smhdw])")
_UNITS = (("d", 86_400 * 10**9), ("h", 3_600 * 10**9), ("m", 60 * 10**9), ("s", 10**9))
_PROBE_TIMEFRAME = "1s"  # lets a source open so its timestamps can be measured


def resolve_timeframe(dataset: str, timeframe: str | None) -> tuple[str | None, str]:
    """(explicit timeframe, else the one in a ``bars_<tf>`` dataset name, else None; its origin)."""
    if timeframe:
        return timeframe, "option"
    m = _NAME.fullmatch(dataset)
    return (m.group(1), "dataset name") if m else (None, "")


def timeframe_of_spacing(spacing_ns: int) -> str:
    """A bar spacing in nanoseconds as a timeframe (``300_000_000_000`` -> ``"5m"``)."""
    for suffix, size in _UNITS:
        if spacing_ns > 0 and spacing_ns % size == 0:
            return f"{spacing_ns // size}{suffix}"
    raise IngestError(f"a bar spacing of {spacing_ns} ns is not a whole number of seconds")


def infer_timeframe(frame: pl.DataFrame, where: str) -> str:
    """Timeframe from the median spacing of each symbol's parsed timestamps in ``frame``."""
    positive = pl.element().filter(pl.element() > 0)
    spacing = (
        frame.filter(pl.col("ts").is_not_null() & pl.col("symbol").is_not_null())
        .group_by("symbol")
        .agg(pl.col("ts").sort().diff().dt.total_nanoseconds().alias("gap"))
        .with_columns(
            pl.col("gap")
            .list.eval(positive.quantile(0.5, interpolation="nearest"))
            .list.first()
            .alias("median")
        )
        .filter(pl.col("median").is_not_null())
        .sort("symbol")
    )
    if spacing.is_empty():
        raise IngestError(
            f"{where}: cannot tell the timeframe (no symbol has two bars in the first "
            f"{PROBE_ROWS:,} lines); pass --timeframe"
        )
    found = {
        s: timeframe_of_spacing(round(m)) for s, m in spacing.select("symbol", "median").iter_rows()
    }
    kinds = sorted(set(found.values()))
    if len(kinds) > 1:
        shown = ", ".join(f"{s}: {tf}" for s, tf in list(found.items())[:5])
        raise IngestError(
            f"{where}: symbols have different bar spacings ({shown}); pass --timeframe or "
            "ingest them separately"
        )
    return kinds[0]


def open_with_timeframe(
    path: Path, *, symbol: str | None, timeframe: str | None, format: str | None
) -> tuple[FileSource, str | None]:
    """Open a source; when it cannot tell its timeframe and none is given, infer it from the
    data and reopen with it. Returns (source, inferred timeframe or None)."""
    try:
        return open_source(path, symbol=symbol, timeframe=timeframe, format=format), None
    except SourceError as err:
        if timeframe:
            raise
        try:
            probe = open_source(path, symbol=symbol, timeframe=_PROBE_TIMEFRAME, format=format)
        except SourceError:
            raise err from None  # the timeframe was not (the only) problem
    chunks = probe.chunks(PROBE_ROWS)
    try:
        first = next(iter(chunks), None)
    finally:
        getattr(chunks, "close", lambda: None)()
    if first is None:
        raise IngestError(f"{path}: cannot tell the timeframe of an empty file; pass --timeframe")
    inferred = infer_timeframe(first.frame, str(path))
    return open_source(path, symbol=symbol, timeframe=inferred, format=format), inferred
