"""Streaming Parquet source: record batches of bars, with the row number as the location.

Columns are matched by normalised name (``ts``/``timestamp``/``date``, ``open`` ... ``volume``,
optional ``adj_close``, ``symbol``, ``timeframe``). Naive timestamps are taken as UTC; values
that cannot be cast to the bar types become rows with a ``parse_reason``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from quant.data.bars import PRICES, TS_DTYPE
from quant.data.sources.base import Chunk
from quant.data.sources.formats import SourceError, normalise

_NUMERIC = (*PRICES, "volume", "adj_close")


class ParquetSource:
    """A Parquet file of bars, read one record batch (``chunk_rows`` rows) at a time."""

    format = "parquet"

    def __init__(
        self, path: Path, *, symbol: str | None = None, timeframe: str | None = None
    ) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such file")
        try:
            self._file = pq.ParquetFile(self.path)
        except (OSError, pa.ArrowException) as err:
            raise SourceError(f"{self.path}: not a readable Parquet file: {err}") from None
        names = self._file.schema_arrow.names
        self._names = {normalise(n): n for n in names}
        if "ts" not in self._names and "date" in self._names:
            self._names["ts"] = self._names.pop("date")
        need = {"ts", "open", "high", "low", "close", "volume"}
        if not need <= set(self._names):
            raise SourceError(
                f"{self.path}: columns {names} lack {sorted(need - set(self._names))}"
            )
        if "symbol" not in self._names and not symbol:
            raise SourceError(f"{self.path}: the file has no symbol column; pass a symbol")
        if "timeframe" not in self._names and not timeframe:
            raise SourceError(f"{self.path}: no timeframe column; pass a timeframe")
        self.symbol, self.timeframe = symbol, timeframe

    def total_bytes(self) -> int:
        """Size of the file on disk."""
        return self.path.stat().st_size

    def chunks(self, chunk_rows: int, after_line: int = 0) -> Iterator[Chunk]:
        """Yield chunks of ``chunk_rows`` rows after row number ``after_line`` (1-based)."""
        row = 0
        total = self._file.metadata.num_rows
        cols = list(self._names.values())
        for batch in self._file.iter_batches(batch_size=chunk_rows, columns=cols):
            start, row = row, row + batch.num_rows
            if row <= after_line:
                continue
            df = pl.from_arrow(batch).rename({v: k for k, v in self._names.items()})
            assert isinstance(df, pl.DataFrame)
            df = df.with_columns(pl.int_range(start + 1, row + 1, eager=True).alias("line"))
            if after_line > start:
                df = df.filter(pl.col("line") > after_line)
            yield Chunk(self._parse(df), last_line=row, blank_lines=0, is_last=row == total)

    def _parse(self, df: pl.DataFrame) -> pl.DataFrame:
        ts = pl.col("ts")
        if df.schema["ts"] == pl.String:
            ts = ts.str.to_datetime(strict=False, time_unit="ns", time_zone="UTC")
        elif isinstance(df.schema["ts"], pl.Datetime) and df.schema["ts"].time_zone is None:
            ts = ts.dt.replace_time_zone("UTC")
        ts = ts.cast(TS_DTYPE, strict=False)
        exprs = {c: pl.col(c).cast(pl.Float64, strict=False) for c in _NUMERIC if c in df.columns}
        raw = pl.struct([c for c in df.columns if c != "line"]).struct.json_encode()
        sym = pl.lit(self.symbol) if self.symbol else pl.col("symbol").cast(pl.String)
        tf = pl.lit(self.timeframe) if self.timeframe else pl.col("timeframe").cast(pl.String)
        out = df.select(
            "line",
            raw.alias("raw"),
            sym.alias("symbol"),
            ts.alias("ts"),
            *[exprs[c].alias(c) for c in (*PRICES, "volume")],
            exprs.get("adj_close", pl.lit(None, pl.Float64)).alias("adj_close"),
            tf.alias("timeframe"),
        )
        reasons = [
            pl.when(pl.col(c).is_null()).then(pl.lit(f"unparseable_{c}"))
            for c in ("ts", *PRICES, "volume")
        ]
        reasons.append(pl.when(pl.col("symbol").fill_null("") == "").then(pl.lit("missing_symbol")))
        joined = pl.concat_str(reasons, separator="; ", ignore_nulls=True)
        return out.with_columns(pl.when(joined != "").then(joined).alias("parse_reason"))
