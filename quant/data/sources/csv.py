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
from quant.data.sources.formats import CsvLayout, SourceError, detect, ts_expr

_GZIP_MAGIC = b"\x1f\x8b"
_NUMERIC = (*PRICES, "volume")


def _open_binary(path: Path) -> BinaryIO:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _split_lines(block: bytes) -> pl.Series:
    """Lines of a block (which ends at a newline or EOF); blank lines become null."""
    expected = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
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
        self.layout: CsvLayout = detect(header, first, format)
        self.format = self.layout.format
        if "symbol" not in self.layout.columns and not symbol:
            raise SourceError(f"{self.path}: the file has no symbol column; pass a symbol")
        self.symbol = symbol
        self.timeframe = timeframe or self.layout.default_timeframe()
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

    def _blocks(self, block_bytes: int, after_line: int) -> Iterator[tuple[int, bytes, bool]]:
        """(first line number, bytes of whole lines, ends-unterminated) after ``after_line``."""
        skip = max(after_line, 1)  # the header is line 1
        line = 0
        rest = b""
        try:
            with _open_binary(self.path) as fh:
                while True:
                    data = fh.read(block_bytes)
                    if not data:
                        if rest:
                            yield line + 1, rest, True
                        return
                    buf = rest + data
                    cut = buf.rfind(b"\n")
                    if cut < 0:
                        rest = buf
                        continue
                    block, rest = buf[: cut + 1], buf[cut + 1 :]
                    n = block.count(b"\n")
                    if line + n <= skip:
                        line += n
                        continue
                    pos = 0
                    while line < skip:
                        pos = block.index(b"\n", pos) + 1
                        line += 1
                    yield line + 1, block[pos:], False
                    line += block.count(b"\n", pos)
        except (OSError, EOFError, zlib.error) as err:
            raise SourceError(f"{self.path}: read failed after line {line}: {err}") from None

    def chunks(self, chunk_rows: int, after_line: int = 0) -> Iterator[Chunk]:
        """Yield parsed chunks of ``chunk_rows`` lines after line ``after_line``."""
        block_bytes = min(max(chunk_rows * 48, 1 << 16), 1 << 26)
        pending: list[pl.Series] = []
        n_pending = 0
        first_line = None
        unterminated = False
        for start, block, unterm in self._blocks(block_bytes, after_line):
            first_line = start if first_line is None else first_line
            lines = _split_lines(block)
            unterminated = unterm
            pending.append(lines)
            n_pending += lines.len()
            while n_pending > chunk_rows:  # keep >= 1 line back: the final chunk is flagged
                allp = pl.concat(pending) if len(pending) > 1 else pending[0]
                head, tail = allp.head(chunk_rows), allp.slice(chunk_rows)
                pending, n_pending = [tail], tail.len()
                yield self._parse(head, first_line, truncated=False, is_last=False)
                first_line += chunk_rows
        if n_pending:
            allp = pl.concat(pending) if len(pending) > 1 else pending[0]
            yield self._parse(allp, first_line, truncated=unterminated, is_last=True)

    def _parse(self, lines: pl.Series, first_line: int, truncated: bool, is_last: bool) -> Chunk:
        n = lines.len()
        last_line = first_line + n - 1
        df = pl.DataFrame(
            {"line": pl.int_range(first_line, last_line + 1, eager=True), "raw": lines}
        )
        df = df.with_columns(pl.col("raw").str.strip_suffix("\r")).filter(
            pl.col("raw").str.strip_chars().str.len_bytes() > 0
        )
        blank = n - df.height
        cols = self.layout.columns
        ncols = self.layout.ncols
        fields = pl.col("raw").str.split_exact(",", ncols - 1).struct.rename_fields(list(cols))
        df = df.with_columns(
            pl.col("raw").str.count_matches(",", literal=True).alias("_ncomma"), fields.alias("_f")
        ).unnest("_f")
        num = {c: pl.col(c).str.strip_chars().cast(pl.Float64, strict=False) for c in _NUMERIC}
        has_adj = "adj_close" in cols
        adj = pl.col("adj_close").str.strip_chars() if has_adj else pl.lit(None, pl.String)
        symbol = pl.col("symbol").str.strip_chars() if "symbol" in cols else pl.lit(self.symbol)
        if self.symbol and "symbol" in cols:
            symbol = pl.lit(self.symbol)
        tf = (
            pl.col("timeframe").str.strip_chars() if "timeframe" in cols else pl.lit(self.timeframe)
        )
        if self.timeframe and "timeframe" in cols:
            tf = pl.lit(self.timeframe)
        parsed = df.select(
            "line",
            "raw",
            "_ncomma",
            symbol.alias("symbol"),
            ts_expr(self.layout).alias("ts"),
            *[e.alias(c) for c, e in num.items()],
            adj.cast(pl.Float64, strict=False).alias("adj_close"),
            adj.alias("_adj_raw"),
            tf.alias("timeframe"),
        )
        count_bad = pl.col("_ncomma") != ncols - 1
        count_reason = pl.format(
            "wrong_column_count (expected {}, got {})", pl.lit(ncols), pl.col("_ncomma") + 1
        )
        field_reasons = [
            pl.when(pl.col(c).is_null()).then(pl.lit(f"unparseable_{c}")) for c in ("ts", *_NUMERIC)
        ]
        field_reasons.append(
            pl.when(pl.col("adj_close").is_null() & (pl.col("_adj_raw").str.len_bytes() > 0)).then(
                pl.lit("unparseable_adj_close")
            )
        )
        field_reasons.append(
            pl.when(pl.col("symbol").fill_null("") == "").then(pl.lit("missing_symbol"))
        )
        fields_joined = pl.concat_str(field_reasons, separator="; ", ignore_nulls=True)
        reason = (
            pl.when(count_bad)
            .then(count_reason)
            .otherwise(pl.when(fields_joined != "").then(fields_joined))
        )
        if truncated:
            reason = (
                pl.when((pl.col("line") == last_line) & reason.is_not_null())
                .then(pl.concat_str([pl.lit("truncated_last_line; "), reason]))
                .otherwise(reason)
            )
        frame = parsed.with_columns(reason.alias("parse_reason")).drop("_ncomma", "_adj_raw")
        return Chunk(frame=frame, last_line=last_line, blank_lines=blank, is_last=is_last)
