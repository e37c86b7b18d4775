"""Row ranges a ``replace_range`` write replaces: ``symbol = S`` and ``start <= ts <= end``.

The same range is expressed three ways: a Delta predicate (replaceWhere, so the delete of
the old rows and the insert of the new ones are one commit), a pyarrow filter (to read the
rows being replaced for the checksum) and a polars check that every new row is inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import polars as pl
import pyarrow as pa

from quant.data.store.errors import InvalidWrite
from quant.data.store.names import check_column

if TYPE_CHECKING:  # pyarrow.dataset imports pandas: loaded only by the write that needs it
    import pyarrow.dataset as pads


@dataclass(frozen=True)
class RowRange:
    """Rows whose ``symbol_column`` equals ``symbol`` and ``ts_column`` is within
    ``[start, end]`` (either bound None = open); times are UTC."""

    symbol: str
    start: datetime | None = None
    end: datetime | None = None
    symbol_column: str = "symbol"
    ts_column: str = "ts"

    def __post_init__(self) -> None:
        check_column(self.symbol_column)
        check_column(self.ts_column)
        if not isinstance(self.symbol, str) or not self.symbol:
            raise InvalidWrite(f"replace_range needs a symbol, got {self.symbol!r}")
        if self.start and self.end and _utc(self.start) > _utc(self.end):
            raise InvalidWrite(f"replace_range start {self.start} is after end {self.end}")

    def predicate(self) -> str:
        """Delta SQL predicate (the symbol is a quoted literal, quotes doubled)."""
        sym = self.symbol.replace("'", "''")
        parts = [f"`{self.symbol_column}` = '{sym}'"]
        if self.start is not None:
            parts.append(f"`{self.ts_column}` >= '{_utc(self.start).isoformat()}'")
        if self.end is not None:
            parts.append(f"`{self.ts_column}` <= '{_utc(self.end).isoformat()}'")
        return " AND ".join(parts)

    def arrow_filter(self, ts_type: pa.DataType) -> pads.Expression:
        """The range as a pyarrow dataset filter (``ts_type``: the stored timestamp type)."""
        import pyarrow.compute as pc

        expr = pc.field(self.symbol_column) == self.symbol
        if self.start is not None:
            expr = expr & (pc.field(self.ts_column) >= pa.scalar(_utc(self.start), ts_type))
        if self.end is not None:
            expr = expr & (pc.field(self.ts_column) <= pa.scalar(_utc(self.end), ts_type))
        return expr

    def check_inside(self, table: pa.Table, name: str) -> None:
        """Raise InvalidWrite if a written row lies outside the range."""
        frame = pl.from_arrow(table.select([self.symbol_column, self.ts_column]))
        assert isinstance(frame, pl.DataFrame)
        ts = pl.col(self.ts_column)
        inside = pl.col(self.symbol_column) == self.symbol
        if self.start is not None:
            inside = inside & (ts >= _utc(self.start))
        if self.end is not None:
            inside = inside & (ts <= _utc(self.end))
        outside = frame.filter(~inside.fill_null(False))
        if outside.height:
            raise InvalidWrite(
                f"dataset '{name}': replace_range data has {outside.height} row(s) outside "
                f"{self.predicate()} (first: {outside.row(0, named=True)})"
            )


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
