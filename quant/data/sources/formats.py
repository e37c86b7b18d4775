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

from dataclasses import dataclass

import polars as pl

from quant.data.bars import TS_DTYPE
from quant.errors import QuantError

FORMATS = ("backtrader", "backtrader_intraday", "yahoo", "arch", "canonical")
_ALIASES = {"adjclose": "adj_close", "openinterest": "open_interest", "timestamp": "ts"}
_ISO = (
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


def detect(header: str, first_row: str | None, forced: str | None = None) -> CsvLayout:
    """Detect the layout from the header line (and first data row for arch dates)."""
    cols = tuple(normalise(c) for c in header.rstrip("\r\n").split(","))
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
        first_date = (first_row or "").split(",")[cols.index("date")]
        fmt = "arch" if "/" in first_date else "yahoo"
    elif "date" in cols:
        fmt = "backtrader"
    else:
        raise SourceError(f"header {header.strip()!r} has no date or ts column")
    required = {"canonical": {"ts"}, "backtrader_intraday": {"date", "time"}}.get(fmt, {"date"})
    if not required <= set(cols):
        raise SourceError(f"format {fmt} needs column(s) {', '.join(sorted(required))}")
    return CsvLayout(fmt, cols)


def _parse(col: pl.Expr, fmt: str) -> pl.Expr:
    return col.str.to_datetime(fmt, strict=False, time_unit="ns", time_zone="UTC")


def _stamp(layout: CsvLayout, strip: bool) -> tuple[pl.Expr, tuple[str, ...]]:
    """The timestamp text expression of a layout and the strptime formats it may use."""

    def col(name: str) -> pl.Expr:
        return pl.col(name).str.strip_chars() if strip else pl.col(name)

    if layout.format == "canonical":
        return col("ts"), _ISO
    if layout.format == "backtrader_intraday":
        return pl.concat_str([col("date"), col("time")], separator=" "), ("%Y-%m-%d %H:%M:%S",)
    if layout.format == "arch":
        return col("date"), ("%m/%d/%Y",)
    return col("date"), ("%Y-%m-%d",)


def sniff_ts_format(layout: CsvLayout, sample: pl.DataFrame) -> str | None:
    """The first of the layout's formats that parses the sample's first timestamp."""
    stamp, formats = _stamp(layout, strip=True)
    for fmt in formats:
        if sample.head(1).select(_parse(stamp, fmt)).item() is not None:
            return fmt
    return None


def ts_expr(layout: CsvLayout, fmt: str | None = None, strip: bool = True) -> pl.Expr:
    """Expression parsing the layout's date/time field(s) into UTC ns (null if unparseable).

    With ``fmt`` only that format is tried (the fast path); otherwise every format of the
    layout, first match wins.
    """
    stamp, formats = _stamp(layout, strip)
    if fmt is not None:
        return _parse(stamp, fmt)
    return pl.coalesce([_parse(stamp, f) for f in formats]).cast(TS_DTYPE)
