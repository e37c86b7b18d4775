"""Streaming CSV source: fixed-size chunks of lines parsed into bars, keeping line numbers.

The file (plain or gzip, detected by magic bytes) is read in byte blocks cut at newlines, so
memory is bounded by the chunk size, never by the file size. Every line is split on commas and
parsed with vectorised polars expressions; a line with the wrong number of fields, an
unparseable number or date, or a truncated last line becomes a row with a ``parse_reason``
(the ingest quarantines it) rather than an exception. Blank lines are skipped and counted.
Quoted fields are not supported (none of the bar layouts quote).
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import polars as pl

from quant.data.bars import PRICES
from quant.data.sources.base import Chunk
from quant.data.sources.formats import CsvLayout, SourceError, detect, sniff_ts_format, ts_expr

_GZIP_MAGIC = b"\x1f\x8b"
_NUMERIC = (*PRICES, "volume")
_TYPED = (*_NUMERIC, "adj_close")


def _open_binary(path: Path) -> BinaryIO:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _split_lines(block: bytes, newlines: int) -> pl.Series:
    """Lines of a block (which ends at a newline or EOF); blank lines become null."""
    expected = newlines + (0 if block.endswith(b"\n") else 1)
    try:
        lines = pl.read_csv(
            io.BytesIO(block),
            has_header=False,
            separator="\x1f",
            quote_char=None,
            schema={"raw": pl.String},
            encoding="utf8-lossy",
        )["raw"]
    except pl.exceptions.PolarsError:
        lines = None
    if lines is None or lines.len() != expected:  # rare bytes (\x1f): exact, slower path
        parts = block.split(b"\n")
        if block.endswith(b"\n"):
            parts.pop()
        text = [p.decode("utf-8", "replace").rstrip("\r") for p in parts]
        lines = pl.Series("raw", [t if t else None for t in text], dtype=pl.String)
    return lines


class CsvSource:
    """A CSV bar file in one of the layouts of :mod:`quant.data.sources.formats`."""

    def __init__(
        self,
        path: Path,
        *,
        symbol: str | None = None,
        timeframe: str | None = None,
        format: str | None = None,
    ) -> None:
        self.path = Path(path)
        header, first = self._peek()
        try:
            self.layout: CsvLayout = detect(header, first, format)
        except SourceError as err:
            raise SourceError(f"{self.path}: {err}") from None
        self.format = self.layout.format
        if "symbol" not in self.layout.columns and not symbol:
            raise SourceError(f"{self.path}: the file has no symbol column; pass a symbol")
        self.symbol = symbol
        self.timeframe = timeframe or self.layout.default_timeframe()
        self._ts_format: str | None = None
        if "timeframe" not in self.layout.columns and not self.timeframe:
            raise SourceError(f"{self.path}: cannot tell the timeframe of {self.format} bars")

    def _peek(self) -> tuple[str, str | None]:
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such file")
        try:
            with _open_binary(self.path) as fh:
                header = fh.readline().decode("utf-8", "replace")
                first = fh.readline().decode("utf-8", "replace") or None
        except (OSError, EOFError, zlib.error) as err:
            raise SourceError(f"{self.path}: cannot be read: {err}") from None
        if not header.strip():
            raise SourceError(f"{self.path}: empty file (no header line)")
        return header, first

    def total_bytes(self) -> int:
        """Size of the file on disk (compressed size for gzip)."""
        return self.path.stat().st_size

    def _blocks(self, block_bytes: int, after_line: int) -> Iterator[tuple[int, bytes, int, bool]]:
        """(first line number, bytes of whole lines, newlines in them, ends-unterminated)."""
        skip = max(after_line, 1)  # the header is line 1
        line = 0
        rest = b""
        try:
            with _open_binary(self.path) as fh:
                while True:
                    data = fh.read(block_bytes)
                    if not data:
                        if rest and line + 1 > skip:  # a last line without newline
                            yield line + 1, rest, 0, True
                        return
                    buf = rest + data
                    cut = buf.rfind(b"\n")
                    if cut < 0:
                        rest = buf
                        continue
                    block, rest = buf[: cut + 1], buf[cut + 1 :]
                    n = block.count(b"\n")
                    start_line = line
                    if line + n <= skip:
                        line += n
                        continue
                    pos = 0
                    while line < skip:
                        pos = block.index(b"\n", pos) + 1
                        line += 1
                    left = n - (line - start_line)
                    yield line + 1, block[pos:], left, False
                    line = start_line + n
        except (OSError, EOFError, zlib.error) as err:
            raise SourceError(f"{self.path}: read failed after line {line}: {err}") from None

    def chunks(self, chunk_rows: int, after_line: int = 0) -> Iterator[Chunk]:
        """Yield parsed chunks of ``chunk_rows`` lines after line ``after_line``."""
        block_bytes = min(max(chunk_rows * 32, 1 << 16), 1 << 25)
        pending: list[pl.DataFrame] = []
        n_pending = 0
        for start, block, newlines, unterminated in self._blocks(block_bytes, after_line):
            parsed = self._parse_block(start, block, newlines, unterminated)
            pending.append(parsed)
            n_pending += parsed.height
            while n_pending > chunk_rows:  # keep >= 1 line back: the final chunk is flagged
                allp = pl.concat(pending) if len(pending) > 1 else pending[0]
                head, tail = allp.head(chunk_rows), allp.slice(chunk_rows)
                pending, n_pending = [tail], tail.height
                yield _chunk(head, is_last=False)
        if n_pending:
            yield _chunk(pl.concat(pending) if len(pending) > 1 else pending[0], is_last=True)

    def _typed_schema(self) -> dict[str, pl.DataType]:
        return {c: pl.Float64 if c in _TYPED else pl.String for c in self.layout.columns}

    def _fast(self, block: bytes, n: int) -> pl.DataFrame | None:
        """All fields parsed by polars' CSV reader (unparseable -> null), or None."""
        try:
            typed = pl.read_csv(
                io.BytesIO(block),
                has_header=False,
                schema=self._typed_schema(),
                ignore_errors=True,
                truncate_ragged_lines=True,
                quote_char=None,
                encoding="utf8-lossy",
            )
        except pl.exceptions.PolarsError:
            return None
        return typed if typed.height == n else None

    def _slow(self, raw: pl.DataFrame) -> pl.DataFrame:
        """Fields of ``raw`` lines split by hand, stripped and cast (every ts format tried)."""
        cols = self.layout.columns
        fields = pl.col("raw").str.split_exact(",", len(cols) - 1).struct.rename_fields(list(cols))
        split = raw.select(fields.alias("_f")).unnest("_f")
        return split.select(
            pl.col(c).str.strip_chars().cast(pl.Float64, strict=False).alias(c)
            if c in _TYPED
            else pl.col(c)
            for c in cols
        ).with_columns(ts_expr(self.layout).alias("_ts"))

    def _parse_block(
        self, first_line: int, block: bytes, newlines: int, unterminated: bool
    ) -> pl.DataFrame:
        lines = _split_lines(block, newlines)
        n = lines.len()
        raw = pl.col("raw").str.strip_suffix("\r") if b"\r" in block else pl.col("raw")
        base = pl.DataFrame(
            {"line": pl.int_range(first_line, first_line + n, eager=True), "raw": lines}
        ).select(
            "line",
            raw.alias("raw"),
            (raw.str.len_bytes() > 0).fill_null(False).alias("_row"),
            raw.str.count_matches(",", literal=True).alias("_ncomma"),
        )
        if self._ts_format is None and base["_row"].any():
            self._ts_format = sniff_ts_format(self.layout, self._slow(base.filter("_row").head(8)))
        typed = self._fast(block, n)
        if typed is not None and self._ts_format is not None:
            typed = typed.with_columns(
                ts_expr(self.layout, self._ts_format, strip=False).alias("_ts")
            )
        else:
            typed = self._slow(base)
        frame = pl.concat([base, typed], how="horizontal")
        need = [c for c in ("_ts", *_NUMERIC) if c in frame.columns]
        retry = pl.col("_row") & (pl.col("_ncomma") == self.layout.ncols - 1)
        retry = retry & pl.any_horizontal([pl.col(c).is_null() for c in need])
        if "adj_close" in self.layout.columns:
            retry = retry | (pl.col("_row") & pl.col("adj_close").is_null())
        mask = frame.select(retry.alias("m"))["m"]
        if mask.any():  # re-parse the few doubtful rows the careful way (strip, all formats)
            redo = frame.filter(mask)
            fixed = pl.concat(
                [redo.select(base.columns), self._slow(redo.select("raw"))], how="horizontal"
            )
            frame = pl.concat([frame.filter(~mask), fixed.select(frame.columns)]).sort("line")
        return self._assemble(frame, truncated_line=first_line + n - 1 if unterminated else None)

    def _assemble(self, df: pl.DataFrame, truncated_line: int | None) -> pl.DataFrame:
        """Canonical bar columns plus ``line``, ``raw``, ``parse_reason`` and ``_row``."""
        cols = self.layout.columns
        ncols = self.layout.ncols
        has = set(cols)
        symbol = pl.col("symbol").str.strip_chars() if "symbol" in has else pl.lit(self.symbol)
        if self.symbol:
            symbol = pl.lit(self.symbol)
        tf = pl.col("timeframe").str.strip_chars() if "timeframe" in has else pl.lit(None)
        if self.timeframe:
            tf = pl.lit(self.timeframe)
        adj_raw = (
            pl.col("raw")
            .str.split_exact(",", ncols - 1)
            .struct.field(f"field_{cols.index('adj_close')}")
            if "adj_close" in has
            else pl.lit(None, pl.String)
        )
        adj = pl.col("adj_close") if "adj_close" in has else pl.lit(None, pl.Float64)
        count_reason = pl.format(
            "wrong_column_count (expected {}, got {})", pl.lit(ncols), pl.col("_ncomma") + 1
        )
        field_reasons = [
            pl.when(pl.col(src).is_null()).then(pl.lit(f"unparseable_{name}"))
            for name, src in (("ts", "_ts"), *((c, c) for c in _NUMERIC))
        ]
        if "adj_close" in has:
            field_reasons.append(
                pl.when(
                    pl.col("adj_close").is_null() & (adj_raw.str.strip_chars().str.len_bytes() > 0)
                ).then(pl.lit("unparseable_adj_close"))
            )
        field_reasons.append(pl.when(symbol.fill_null("") == "").then(pl.lit("missing_symbol")))
        doubtful = (pl.col("_ncomma") != ncols - 1) | pl.any_horizontal(
            [pl.col(c).is_null() for c in ("_ts", *_NUMERIC)]
        )
        if "adj_close" in has:
            doubtful = doubtful | pl.col("adj_close").is_null()
        if "symbol" in has and not self.symbol:
            doubtful = doubtful | (pl.col("symbol").str.len_bytes().fill_null(0) == 0)
        if not df.select((doubtful & pl.col("_row")).any()).item():
            return df.select(
                "line",
                "raw",
                "_row",
                symbol.alias("symbol"),
                pl.col("_ts").alias("ts"),
                *[pl.col(c) for c in _NUMERIC],
                adj.alias("adj_close"),
                tf.cast(pl.String).alias("timeframe"),
                pl.lit(None, pl.String).alias("parse_reason"),
            )
        joined = pl.concat_str(field_reasons, separator="; ", ignore_nulls=True)
        reason = (
            pl.when(pl.col("_ncomma") != ncols - 1)
            .then(count_reason)
            .otherwise(pl.when(joined != "").then(joined))
        )
        if truncated_line is not None:
            reason = (
                pl.when((pl.col("line") == truncated_line) & reason.is_not_null())
                .then(pl.concat_str([pl.lit("truncated_last_line; "), reason]))
                .otherwise(reason)
            )
        return df.select(
            "line",
            "raw",
            "_row",
            symbol.alias("symbol"),
            pl.col("_ts").alias("ts"),
            *[pl.col(c) for c in _NUMERIC],
            adj.alias("adj_close"),
            tf.cast(pl.String).alias("timeframe"),
            pl.when(pl.col("_row")).then(reason).alias("parse_reason"),
        )


def _chunk(frame: pl.DataFrame, is_last: bool) -> Chunk:
    rows = frame.filter("_row").drop("_row")
    return Chunk(
        frame=rows,
        last_line=int(frame["line"][-1]),
        blank_lines=frame.height - rows.height,
        is_last=is_last,
    )
