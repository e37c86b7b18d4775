"""The CSV layouts the ingest understands, detected from the header and first data row.

Columns are found by (normalised) header name, so column order does not matter:

* ``backtrader``: ``Date,Open,High,Low,Close,Volume,OpenInterest`` (daily, ``YYYY-MM-DD``);
* ``backtrader_intraday``: ``Date,Time,Open,...`` (``YYYY-MM-DD`` + ``HH:MM:SS``, taken as UTC);
* ``yahoo``: ``Date,Open,High,Low,Close,Adj Close,Volume`` (``YYYY-MM-DD``);
* ``arch``: the Yahoo columns with ``M/D/YYYY`` dates (the gzipped arch package files);
* ``canonical``: ``symbol,ts,open,high,low,close,volume[,adj_close][,timeframe]`` with ISO 8601
  ``ts`` (naive = UTC; ``T`` or space separator; optional fraction and ``Z``).

Daily dates become 00:00 UTC of the trading date.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

import polars as pl

from quant.errors import QuantError

_LONG_YEAR = r"^[+-]?\d{5,}-|/[+-]?\d{5,}$"  # a 5+ digit year (first in ISO, last in M/D/Y)
FORMATS = ("backtrader", "backtrader_intraday", "yahoo", "arch", "canonical")
_ALIASES = {"adjclose": "adj_close", "openinterest": "open_interest", "timestamp": "ts"}
_ISO = (  # mutually exclusive but for the first: the order only decides how fast a file parses
    "%Y-%m-%dT%H:%M:%S",  # a subset of the next (same values) that polars parses ~4x faster
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.fZ",
    "%Y-%m-%d %H:%M:%S%.fZ",
    "%Y-%m-%d",
)


class SourceError(QuantError):
    """A source cannot be read at all (missing, empty, unknown layout, corrupt container)."""


def normalise(name: str) -> str:
    """Canonical spelling of a header name: lower case, no spaces/underscores, aliases."""
    key = name.strip().strip('"').lower().replace(" ", "").replace("_", "")
    return _ALIASES.get(key, key)


@dataclass(frozen=True)
class CsvLayout:
    """A detected layout: the format name and the position of every named column."""

    format: str
    columns: tuple[str, ...]  # normalised header names in file order

    @property
    def ncols(self) -> int:
        """Number of fields every data line must have."""
        return len(self.columns)

    def default_timeframe(self) -> str | None:
        """Timeframe implied by the format (daily formats), else None."""
        return "1d" if self.format in ("backtrader", "yahoo", "arch") else None


def split_line(line: str) -> list[str]:
    """The fields of one CSV line (RFC 4180 quoting; a leading UTF-8 BOM dropped)."""
    return next(csv.reader([line.removeprefix("\ufeff").rstrip("\r\n")]), [])


def detect(header: str, first_row: str | None, forced: str | None = None) -> CsvLayout:
    """Detect the layout from the header line (and first data row for arch dates)."""
    cols = tuple(normalise(c) for c in split_line(header))
    if len(set(cols)) != len(cols):
        raise SourceError(f"header {header.strip()!r} repeats a column name")
    need = {"open", "high", "low", "close", "volume"}
    if not need <= set(cols):
        raise SourceError(
            f"unrecognised header {header.strip()!r}: need columns {', '.join(sorted(need))}"
        )
    if forced is not None:
        if forced not in FORMATS:
            raise SourceError(f"unknown format {forced!r}; known: {', '.join(FORMATS)}")
        fmt = forced
    elif "ts" in cols:
        fmt = "canonical"
    elif "date" in cols and "time" in cols:
        fmt = "backtrader_intraday"
    elif "date" in cols and "adj_close" in cols:
        fields = split_line(first_row or "")
        first_date = fields[cols.index("date")] if len(fields) == len(cols) else ""
        fmt = "arch" if "/" in first_date else "yahoo"
    elif "date" in cols:
        fmt = "backtrader"
    else:
        raise SourceError(f"header {header.strip()!r} has no date or ts column")
    required = {"canonical": {"ts"}, "backtrader_intraday": {"date", "time"}}.get(fmt, {"date"})
    if not required <= set(cols):
        raise SourceError(f"format {fmt} needs column(s) {', '.join(sorted(required))}")
    return CsvLayout(fmt, cols)


def _stamp(layout: CsvLayout) -> tuple[pl.Expr, tuple[str, ...], pl.Expr]:
    """The layout's timestamp text, its strptime formats and the year written in it."""
    date = pl.col("date").str.strip_chars()
    year = date.str.slice(0, 4)
    if layout.format == "canonical":
        return pl.col("ts").str.strip_chars(), _ISO, pl.col("ts").str.strip_chars().str.slice(0, 4)
    if layout.format == "backtrader_intraday":
        stamp = pl.concat_str([date, pl.col("time").str.strip_chars()], separator=" ")
        return stamp, ("%Y-%m-%d %H:%M:%S",), year
    if layout.format == "arch":
        return date, ("%m/%d/%Y",), date.str.slice(-4)
    return date, ("%Y-%m-%d",), year


def _parse(text: pl.Series, formats: tuple[str, ...]) -> pl.Series:
    """Each stamp parsed by the first format that parses it (later formats see the rest)."""
    out = text.str.to_datetime(formats[0], strict=False, time_unit="ns", time_zone="UTC")
    for fmt in formats[1:]:
        idx = (out.is_null() & text.is_not_null()).arg_true()
        if idx.is_empty():
            break
        more = text.gather(idx).str.to_datetime(fmt, strict=False, time_unit="ns", time_zone="UTC")
        out = out.scatter(idx, more)
    return out


def parse_ts(layout: CsvLayout, frame: pl.DataFrame) -> pl.DataFrame:
    """``_ts`` (UTC ns; null unless parsed and representable) and ``_ts_far`` of a frame.

    ``_ts_far`` is True where the stamp is a date outside ``bars.TS_MIN..TS_MAX`` (one that
    the nanosecond clock cannot hold: parsed, it wraps to another year) or has a year of five
    or more digits.
    """
    stamp, formats, year = _stamp(layout)
    texts = frame.select(stamp.alias("text"), year.cast(pl.Int32, strict=False).alias("year"))
    ts = _parse(texts["text"], formats)
    wrapped = (ts.dt.year() != texts["year"]).fill_null(False)
    far = wrapped
    if ts.null_count():  # only an unparsed stamp can hide a long year
        far = far | (ts.is_null() & texts["text"].str.contains(_LONG_YEAR).fill_null(False))
    if wrapped.any():
        ts = ts.set(wrapped, None)
    return pl.DataFrame({"_ts": ts, "_ts_far": far})
