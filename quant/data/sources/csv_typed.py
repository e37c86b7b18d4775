"""Typed fast path of the CSV source: polars reads a block of plain records with the layout's
types, and only the records it cannot vouch for go through the text path.

A block is *plain* when it ends with a newline and holds no quote, no carriage return and
no byte outside ASCII: each record is then exactly one line and its fields are the text
between commas, so a record's parse does not depend on the records around it. polars reads
such a block with the numbers typed (its float parser gives the same values as the text
path's cast, leading blanks ignored; a value either parser rejects is null), and a line is
*clean* when none of its fields is null or empty, its symbol is not blank, its stamp parses
in range and it is longer than 12 bytes. Clean lines get exactly the values, ``raw`` text
and (null) ``parse_reason`` the text path would give them; every other line (blank, wrong
field count, a fault of any kind) is handed back to the text path by index, which gives it
its reason. polars cuts a line with too many fields short; such lines are found by counting
commas. Any other surprise (polars refuses the block, or gives another number of rows)
returns None: the whole block takes the text path.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from quant.data.bars import BAR_COLUMNS
from quant.data.sources.formats import CsvLayout, parse_ts

_NUMBERS = ("open", "high", "low", "close", "volume", "adj_close")
#: A string view holds up to 12 bytes inline; longer lines point into the block's buffer.
_INLINE = 12
_VIEW = np.dtype([("len", "<i4"), ("prefix", "<u4"), ("buf", "<i4"), ("off", "<i4")])


def is_plain(block: bytes) -> bool:
    """True when every record of ``block`` is one unquoted ASCII line ending in ``\\n``."""
    return (
        block.endswith(b"\n")
        and b'"' not in block
        and b"\r" not in block
        and block.isascii()
        and len(block) < 2**31
    )


def line_texts(block: bytes, starts: np.ndarray, lengths: np.ndarray) -> pl.Series:
    """The lines ``block[starts[i]:starts[i] + lengths[i]]`` as a String series that points
    into ``block`` (no copy); every length must exceed 12 bytes."""
    data = np.frombuffer(block, np.uint8)
    views = np.zeros(len(starts), dtype=_VIEW)
    views["len"] = lengths
    views["prefix"] = np.ascontiguousarray(data[starts[:, None] + np.arange(4)]).view("<u4")[:, 0]
    views["off"] = starts
    array = pa.Array.from_buffers(
        pa.string_view(), len(starts), [None, pa.py_buffer(views), pa.py_buffer(block)]
    )
    out = pl.from_arrow(array)
    assert isinstance(out, pl.Series)
    return out.alias("raw")


def typed_block(
    block: bytes, layout: CsvLayout, given: dict[str, str | None], first_line: int
) -> tuple[pl.DataFrame, np.ndarray] | None:
    """(clean rows as the text path gives them, indices of the other lines) of a plain block
    whose first line is ``first_line``; None when the whole block must take the text path.

    ``given`` holds the constant ``symbol``/``timeframe`` that replace or supply the file's
    columns (None: taken from the file).
    """
    cols = layout.columns
    data = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(data == 10)
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    schema = {c: pl.Float64 if c in _NUMBERS else pl.String for c in cols}
    try:  # a line with too many fields is cut short (found below by its commas)
        df = pl.read_csv(
            block,
            has_header=False,
            schema=schema,
            ignore_errors=True,
            raise_if_empty=False,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError:
        return None
    if df.height != len(ends):
        return None
    strings = [c for c in cols if c not in _NUMBERS]
    consts = {c: v for c, v in given.items() if v}
    df = df.with_columns(
        *(pl.lit(v, pl.String).alias(c) for c, v in consts.items()),
        *(pl.lit(None, pl.Float64).alias(c) for c in _NUMBERS if c not in cols),
    ).with_columns(pl.col("symbol", "timeframe").str.strip_chars())
    stamps = parse_ts(layout, df)
    clean = (
        ~pl.any_horizontal(pl.col(cols).is_null())
        & ~pl.any_horizontal(pl.col(strings).str.len_bytes() == 0)
        & (pl.col("symbol") != "")
        & stamps["_ts"].is_not_null()
        & ~stamps["_ts_far"]
    )
    ok = df.select(clean.fill_null(False)).to_series().to_numpy() & (lengths > _INLINE)
    # No field is missing on a clean line (it would be null): when the block's commas add up
    # and every line is clean, none has too many either; else count them line by line.
    if block.count(b",") != len(ends) * (len(cols) - 1) or not ok.all():
        commas = np.diff(np.searchsorted(np.flatnonzero(data == 44), ends), prepend=0)
        ok &= commas == len(cols) - 1
    rows = df.with_columns(stamps["_ts"].alias("ts"))
    if not ok.all():
        rows = rows.filter(pl.Series(ok))
    line = np.flatnonzero(ok) + first_line
    rows = rows.select(
        pl.Series("line", line, pl.Int64),
        pl.Series("_end", line, pl.Int64),
        line_texts(block, starts[ok], lengths[ok]),
        pl.lit(True).alias("_row"),
        *BAR_COLUMNS,
        pl.lit(None, pl.String).alias("parse_reason"),
    )
    return rows, np.flatnonzero(~ok)
