"""What a write changes: the rows it replaces and the content checksum after it.

``changes`` works out, before anything is committed, the rows an append, overwrite, upsert
or range replace adds and removes and the checksum of the result; ``unchanged`` tells a
write that would leave the content as it is (optionally ignoring volatile columns such as a
run timestamp), which then commits nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
from deltalake import DeltaTable

from quant.data.store.checksum import Checksum
from quant.data.store.ranges import RowRange


@dataclass(frozen=True)
class Change:
    """Rows a write adds and removes, the rows it replaces (``old``; upsert/replace) with the
    weight of each new row (``counts``), and the dataset's checksum after it."""

    added: int
    removed: int
    checksum: Checksum
    old: pa.Table | None = None
    counts: np.ndarray | None = None


def with_nulls(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` in ``schema``'s column order, columns it lacks added as nulls."""
    cols = [
        table.column(f.name).cast(f.type)
        if f.name in table.schema.names
        else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(cols, schema=schema)


def rehash(dt: DeltaTable, schema: pa.Schema) -> Checksum:
    """Checksum of the table's rows seen in storage ``schema`` (columns the files lack read as
    null: what an added column does to old rows)."""
    total = Checksum()
    for batch in dt.to_pyarrow_dataset().to_batches():
        total = total + Checksum.of(with_nulls(pa.Table.from_batches([batch]), schema))
    return total


def changes(
    op: str,
    dt: DeltaTable | None,
    stored: pa.Table,
    *,
    total: int,
    checksum: Checksum,
    key: Sequence[str] = (),
    replace: RowRange | None = None,
) -> Change:
    """The Change of writing ``stored`` (storage schema) with ``op`` over the current table
    ``dt`` holding ``total`` rows with ``checksum`` (already in ``stored``'s schema)."""
    n = stored.num_rows
    if op == "append" or dt is None:
        return Change(n, 0, checksum + Checksum.of(stored))
    if op == "overwrite":
        return Change(n, total, Checksum.of(stored))
    if op == "replace":
        assert replace is not None
        flt = replace.arrow_filter(stored.schema.field(replace.ts_column).type)
        old = with_nulls(dt.to_pyarrow_dataset().to_table(filter=flt), stored.schema)
        return Change(n, old.num_rows, checksum - Checksum.of(old) + Checksum.of(stored), old)
    counts, old = _upsert_matches(dt, stored, key)
    delta = Checksum.of(stored, counts) - Checksum.of(old)
    return Change(int(counts.sum()), old.num_rows, checksum + delta, old, counts)


def unchanged(
    change: Change,
    stored: pa.Table,
    current: str,
    *,
    op: str,
    dt: DeltaTable,
    volatile: Sequence[str] = (),
) -> bool:
    """True if the content after the write equals the current version's (checksum
    ``current``), comparing all columns but ``volatile`` ones."""
    if change.added != change.removed:
        return False
    if not volatile:
        return str(change.checksum) == current
    keep = [c for c in stored.schema.names if c not in set(volatile)]
    new = stored.select(keep)
    if change.old is not None:  # upsert / replace: the replaced rows against the new ones
        return Checksum.of(new, change.counts) == Checksum.of(change.old.select(keep))
    if op == "overwrite":
        now = with_nulls(dt.to_pyarrow_dataset().to_table(), stored.schema).select(keep)
        return Checksum.of(new) == Checksum.of(now)
    return False


def _upsert_matches(
    dt: DeltaTable, stored: pa.Table, key: Sequence[str]
) -> tuple[np.ndarray, pa.Table]:
    """(weight of each source row, target rows it replaces) of an upsert.

    A target row whose key appears in ``stored`` is replaced by that source row (so a key
    duplicated m times in the target yields m copies of the new row: weight m); other
    source rows are inserted (weight 1).
    """
    keys = list(key)
    src = pl.from_arrow(stored.select(keys)).with_row_index("_src")
    target = pl.scan_pyarrow_dataset(dt.to_pyarrow_dataset())
    bounds = _key_bounds(src, keys)
    if bounds is not None:
        target = target.filter(bounds)  # pushed down: only files that may hold these keys
    matched = target.join(src.lazy(), on=keys, how="inner", nulls_equal=False).collect()
    counts = np.ones(stored.num_rows, dtype=np.int64)
    if matched.height:
        per = matched.group_by("_src").len()
        counts[per["_src"].to_numpy()] = per["len"].to_numpy()
    present = [c for c in stored.schema.names if c in matched.columns]
    return counts, with_nulls(matched.select(present).to_arrow(), stored.schema)


def _key_bounds(src: pl.DataFrame, keys: list[str]) -> pl.Expr | None:
    """A filter that keeps every target row that can match a source key (min/max per key
    column; small sets of strings as a list)."""
    expr: pl.Expr | None = None
    for k in keys:
        col = src[k].drop_nulls()
        if col.is_empty():
            return None
        if col.dtype == pl.String:
            values = col.unique()
            if len(values) > 1000:
                continue
            e = pl.col(k).is_in(values.to_list())
        elif col.dtype.is_numeric() or col.dtype.is_temporal():
            e = pl.col(k).is_between(col.min(), col.max())
        else:
            continue
        expr = e if expr is None else expr & e
    return expr
