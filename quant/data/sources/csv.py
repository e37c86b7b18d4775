"""Streaming CSV source: RFC 4180 records parsed by pyarrow, block by block, with line numbers.

The file (plain or gzip, detected by magic bytes) is read in byte blocks cut after a whole
record (a newline outside quotes), so memory is bounded by the block size, never by the file
size. pyarrow's CSV parser splits each block into fields (quoted fields may hold commas,
doubled quotes and newlines), all as text; polars then casts numbers and timestamps. A record
with the wrong number of fields, an unparseable number or date, a date outside the ns range,
or a truncated last line becomes a row with a ``parse_reason`` (the ingest quarantines it)
rather than an exception. Each row keeps the physical line it starts on and its text (the
fields re-joined as RFC 4180: the file's own line when it has no quotes; rejected records
keep their text verbatim). Blank lines (no data) are skipped and counted. Plain blocks (no
quote, CR or non-ASCII byte) are read typed by polars first (:mod:`.csv_typed`); only the
lines that path does not vouch for are parsed as text, with the same result.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from quant.data.bars import BAR_COLUMNS, PRICES
from quant.data.sources.base import Chunk
from quant.data.sources.csv_typed import is_plain, typed_block
from quant.data.sources.formats import CsvLayout, SourceError, detect, parse_ts

_GZIP_MAGIC = b"\x1f\x8b"
_NUMERIC = (*PRICES, "volume")
_TYPED = (*_NUMERIC, "adj_close")
#: A quoted field may span lines up to this size; past it, a block is cut at a newline anyway
#: (a stray quote then costs only the records around it, which are quarantined).
_MAX_QUOTED_BYTES = 1 << 22


def _open_binary(path: Path) -> BinaryIO:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == _GZIP_MAGIC:
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _record_end(buf: bytes) -> int:
    """Bytes of ``buf`` up to its last newline outside quotes (0 when there is none)."""
    last = buf.rfind(b"\n") + 1
    if b'"' not in buf:
        return last
    arr = np.frombuffer(buf, np.uint8)
    newlines = np.flatnonzero(arr == 10)
    quotes_before = np.searchsorted(np.flatnonzero(arr == 34), newlines)
    ends = newlines[quotes_before % 2 == 0]
    if ends.size:
        return int(ends[-1]) + 1
    return last if len(buf) > _MAX_QUOTED_BYTES else 0


def _quoted(col: pl.Expr) -> pl.Expr:
    """A text field as RFC 4180 writes it (quoted when it holds a comma, quote or newline)."""
    escaped = pl.concat_str(
        [pl.lit('"'), col.str.replace_all('"', '""', literal=True), pl.lit('"')]
    )
    return pl.when(col.str.contains('[",\r\n]')).then(escaped).otherwise(col)


def _number(text: pl.Series) -> pl.Series:
    """Text as Float64 (null where not a number), surrounding whitespace ignored: cast as it
    stands, stripped only when some value did not parse (padding makes the cast give null)."""
    out = text.cast(pl.Float64, strict=False)
    if out.null_count() > text.null_count():
        out = text.str.strip_chars().cast(pl.Float64, strict=False)
    return out


class CsvSource:
    """A CSV bar file in one of the layouts of :mod:`quant.data.sources.formats`."""

    #: Read plain blocks typed (False: every block as text; the reference the tests compare).
    typed = True

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
        if "timeframe" not in self.layout.columns and not self.timeframe:
            raise SourceError(f"{self.path}: cannot tell the timeframe of {self.format} bars")

    def _peek(self) -> tuple[str, str | None]:
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such file")
        try:
            with _open_binary(self.path) as fh:
                header = fh.readline().decode("utf-8-sig", "replace")
                first = fh.readline().decode("utf-8", "replace") or None
        except (OSError, EOFError, zlib.error) as err:
            raise SourceError(f"{self.path}: cannot be read: {err}") from None
        if not header.strip():
            raise SourceError(f"{self.path}: empty file (no header line)")
        return header, first

    def total_bytes(self) -> int:
        """Size of the file on disk (compressed size for gzip)."""
        return self.path.stat().st_size

    def _blocks(self, block_bytes: int) -> Iterator[bytes]:
        """The file's bytes in blocks of whole records (the last may lack its newline)."""
        rest = b""
        try:
            with _open_binary(self.path) as fh:
                while data := fh.read(max(block_bytes, len(rest))):  # long records: grow
                    buf = rest + data
                    cut = _record_end(buf)
                    if cut:
                        yield buf[:cut]
                    rest = buf[cut:]
        except (OSError, EOFError, zlib.error) as err:
            raise SourceError(f"{self.path}: read failed: {err}") from None
        if rest:
            yield rest

    def chunks(self, chunk_rows: int, after_line: int = 0) -> Iterator[Chunk]:
        """Yield parsed chunks of ``chunk_rows`` records after line ``after_line``."""
        block_bytes = min(max(chunk_rows * 32, 1 << 16), 1 << 25)
        skip = max(after_line, 1)  # the header is line 1
        pending: list[pl.DataFrame] = []
        n_pending, line = 0, 1
        for block in self._blocks(block_bytes):
            newlines = block.count(b"\n")
            if line + newlines <= skip + 1 and block.endswith(b"\n") and b'"' not in block:
                line += newlines  # committed lines only: skipped unparsed
                continue
            parsed = self._parse_block(block, line, newlines)
            line = int(parsed["_end"][-1]) + 1
            parsed = parsed.filter(pl.col("_end") > skip)
            pending.append(parsed)
            n_pending += parsed.height
            while n_pending > chunk_rows:  # keep >= 1 record back: the final chunk is flagged
                allp = pl.concat(pending)
                head, tail = allp.head(chunk_rows), allp.slice(chunk_rows)
                pending, n_pending = [tail], tail.height
                yield _chunk(head, is_last=False)
        if n_pending:
            yield _chunk(pl.concat(pending), is_last=True)

    def _split(self, block: bytes) -> pl.DataFrame:
        """Every record of a block in order: its fields as text, ``raw`` and ``_nfields``."""
        names = [f"_f{i}" for i in range(self.layout.ncols)]
        rejected: list[pacsv.InvalidRow] = []

        def keep(row: pacsv.InvalidRow) -> str:
            rejected.append(row)
            return "skip"

        quoted = b'"' in block
        if b"\r" in block and block.count(b"\r") != block.count(b"\r\n"):
            block = re.sub(rb"\r(?!\n)", b" ", block)  # only \n ends a line: a lone \r is a space
        if not block.isascii():  # invalid UTF-8 bytes become U+FFFD (valid text is unchanged)
            block = block.decode("utf-8", "replace").encode()
        try:
            table = pacsv.read_csv(
                io.BytesIO(block),
                read_options=pacsv.ReadOptions(
                    column_names=names, use_threads=False, block_size=len(block) + 1
                ),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=quoted, ignore_empty_lines=False, invalid_row_handler=keep
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string())
                ),
            )
        except pa.ArrowInvalid as err:
            raise SourceError(f"{self.path}: cannot be parsed: {err}") from None
        fields = pl.from_arrow(table)
        assert isinstance(fields, pl.DataFrame)
        good = fields.with_columns(
            pl.concat_str(
                [_quoted(pl.col(n)) if quoted else n for n in names], separator=","
            ).alias("raw"),
            pl.lit(len(names), pl.Int32).alias("_nfields"),
        )
        if not rejected:
            return good
        numbers = np.array([r.number for r in rejected])  # 1-based record numbers
        bad = pl.DataFrame(
            {
                "_n": numbers,
                "raw": [r.text for r in rejected],
                "_nfields": [r.actual_columns for r in rejected],
            },
            schema_overrides={"_nfields": pl.Int32},
        )
        order = np.setdiff1d(np.arange(1, good.height + len(rejected) + 1), numbers)
        good = good.with_columns(pl.Series("_n", order))
        return pl.concat([good, bad], how="diagonal").sort("_n").drop("_n")

    def _parse_block(self, block: bytes, first_line: int, newlines: int) -> pl.DataFrame:
        """Rows of a block holding ``newlines`` newline bytes: ``line``, ``_end`` (its last
        line), ``raw``, ``_row`` (not blank), the bar columns and ``parse_reason``. Plain
        blocks are read typed (:mod:`quant.data.sources.csv_typed`); the lines that path
        does not vouch for, and all other blocks, are parsed as text."""
        typed = None
        if self.typed and is_plain(block):
            given = {"symbol": self.symbol, "timeframe": self.timeframe}
            typed = typed_block(block, self.layout, given, first_line)
        if typed is None:
            return self._parse_text(block, first_line, newlines)
        rows, others = typed
        if not others.size:
            return rows
        lines = block.split(b"\n")  # plain: one record per line
        text = b"".join(lines[i] + b"\n" for i in others)
        rest = self._parse_text(text, 1, len(others))
        where = pl.Series(others + first_line, dtype=pl.Int64)
        rest = rest.with_columns(line=where, _end=where)
        return pl.concat([rows, rest]).sort("line")

    def _parse_text(self, block: bytes, first_line: int, newlines: int) -> pl.DataFrame:
        """:meth:`_parse_block` for any block: every record split by pyarrow as text."""
        cols, ncols = self.layout.columns, self.layout.ncols
        df = self._split(block).rename({f"_f{i}": c for i, c in enumerate(cols)})
        given = {"symbol": self.symbol, "timeframe": self.timeframe, "adj_close": None}
        df = df.with_columns(
            pl.lit(v, pl.String).alias(c) for c, v in given.items() if v or c not in cols
        )
        last_line = first_line - 1 + newlines + (not block.endswith(b"\n"))
        if b'"' in block:  # a quoted field may hold newlines: a record spans 1 + that many lines
            span = pl.col("raw").str.count_matches("\n", literal=True).cast(pl.Int64) + 1
            end = first_line - 1 + span.cum_sum()
        else:
            span, end = pl.lit(1), first_line + pl.int_range(pl.len(), dtype=pl.Int64)
        row = pl.col("raw").str.len_bytes() > ncols - 1  # more than the commas of empty fields
        if df["_nfields"].ne(ncols).any():
            row = pl.when(pl.col("_nfields") == ncols).then(row)
            row = row.otherwise(pl.col("raw").str.strip_chars(" \t\r") != "")
        df = df.with_columns(
            end.alias("_end"),
            row.alias("_row"),
            pl.col("symbol", "timeframe").str.strip_chars(),
            *(_number(df[c]) for c in _TYPED),
            (pl.col("adj_close").str.strip_chars() != "").fill_null(False).alias("_adj_given"),
        ).with_columns((pl.col("_end") - span + 1).alias("line"))
        # a quote left open swallows the block's last newline: its record never ended
        unclosed = b'"' in block and df["_end"][-1] > last_line
        if unclosed:
            df = df.with_columns(pl.col("_end").clip(upper_bound=last_line))
        if df["_end"][-1] != last_line:  # never expected: resuming needs exact line numbers
            raise SourceError(f"{self.path}: lines {first_line}-{last_line} do not split evenly")
        df = pl.concat([df, parse_ts(self.layout, df)], how="horizontal")
        return df.select(
            "line",
            "_end",
            "raw",
            "_row",
            *(pl.col("_ts").alias("ts") if c == "ts" else c for c in BAR_COLUMNS),
            self._reason(df, unclosed, cut_short=not block.endswith(b"\n")),
        )

    def _reason(self, df: pl.DataFrame, unclosed: bool, cut_short: bool) -> pl.Expr:
        """``parse_reason``: the ``"; "``-joined faults of each record, null if none."""
        ncols = self.layout.ncols
        last = pl.int_range(pl.len()) == pl.len() - 1
        faults = {
            "unparseable_ts": pl.col("_ts").is_null() & ~pl.col("_ts_far"),
            "ts_out_of_range": pl.col("_ts_far"),
            **{f"unparseable_{c}": pl.col(c).is_null() for c in _NUMERIC},
            "unparseable_adj_close": pl.col("adj_close").is_null() & pl.col("_adj_given"),
            "missing_symbol": pl.col("symbol").fill_null("") == "",
            "unclosed_quote": last & unclosed,
        }
        wrong_count = pl.col("_nfields") != ncols
        if not df.select((wrong_count | pl.any_horizontal(faults.values())).any()).item():
            return pl.lit(None, pl.String).alias("parse_reason")  # the common case
        joined = pl.concat_str(
            [pl.when(e).then(pl.lit(n)) for n, e in faults.items()],
            separator="; ",
            ignore_nulls=True,
        )
        counts = pl.format("wrong_column_count (expected {}, got {})", pl.lit(ncols), "_nfields")
        reason = pl.when(wrong_count).then(counts).when(joined != "").then(joined)
        if cut_short:  # the file's last record lacks its newline
            cut = pl.concat_str([pl.lit("truncated_last_line; "), reason])
            reason = pl.when(last & reason.is_not_null()).then(cut).otherwise(reason)
        return reason.alias("parse_reason")


def _chunk(frame: pl.DataFrame, is_last: bool) -> Chunk:
    rows = frame.filter("_row").drop("_row", "_end")
    return Chunk(
        frame=rows,
        last_line=int(frame["_end"][-1]),
        blank_lines=frame.height - rows.height,
        is_last=is_last,
    )
