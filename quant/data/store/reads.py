"""Row filters and frame construction for reads; filters are pushed down to the Parquet scan.

A filter is either a polars expression (``read``/``scan`` only) or a list of
``(column, op, value)`` tuples, ANDed together, with op one of
``= == != < <= > >= in not in`` -- the same list works for DuckDB relations.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from quant.data.store.errors import StoreError
from quant.data.store.names import check_column

if TYPE_CHECKING:  # DuckDB loads with the first relation: plain reads never import it
    import duckdb

Filters = pl.Expr | Sequence[tuple[str, str, Any]] | None

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class InvalidFilter(StoreError):
    """A read filter or column list is malformed (names the bad clause)."""


def _clauses(filters: Sequence[tuple[str, str, Any]]) -> list[tuple[str, str, Any]]:
    out = []
    for clause in filters:
        if not isinstance(clause, tuple | list) or len(clause) != 3:
            raise InvalidFilter(f"filter {clause!r} is not a (column, op, value) tuple")
        col, op, value = clause
        check_column(col)
        if op not in _OPS and op not in ("in", "not in"):
            raise InvalidFilter(f"filter {clause!r}: unknown operator {op!r}")
        if op in ("in", "not in") and isinstance(value, str | bytes):
            raise InvalidFilter(f"filter {clause!r}: 'in' needs a list of values")
        out.append((col, op, value))
    return out


def polars_filter(filters: Filters) -> pl.Expr | None:
    """The filters as one polars expression (None = no filter)."""
    if filters is None:
        return None
    if isinstance(filters, pl.Expr):
        return filters
    expr: pl.Expr | None = None
    for col, op, value in _clauses(filters):
        if op == "in":
            e = pl.col(col).is_in(list(value))
        elif op == "not in":
            e = ~pl.col(col).is_in(list(value))
        else:
            e = _OPS[op](pl.col(col), pl.lit(value))
        expr = e if expr is None else expr & e
    return expr


def duckdb_filter(filters: Filters) -> duckdb.Expression | None:
    """The filters as one DuckDB expression (values are constants, never SQL text)."""
    import duckdb

    if filters is None:
        return None
    if isinstance(filters, pl.Expr):
        raise InvalidFilter("DuckDB relations take (column, op, value) filters, not polars ones")
    expr = None
    for col, op, value in _clauses(filters):
        c = duckdb.ColumnExpression(col)
        if op in ("in", "not in"):
            consts = [duckdb.ConstantExpression(v) for v in value]
            e = c.isin(*consts) if op == "in" else c.isnotin(*consts)
        else:
            e = _OPS[op](c, duckdb.ConstantExpression(value))
        expr = e if expr is None else expr & e
    return expr


def check_columns(columns: Sequence[str] | None, available: Sequence[str], name: str) -> None:
    """Raise if a requested column does not exist in the dataset."""
    if columns is None:
        return
    unknown = [c for c in columns if c not in available]
    if unknown:
        raise InvalidFilter(
            f"dataset '{name}' has no column(s) {unknown}; it has {list(available)}"
        )


def logical_casts(logical: pa.Schema | None, schema: pl.Schema) -> dict[str, pl.DataType]:
    """Casts turning stored dtypes (us timestamps) back into the logical ones (e.g. ns)."""
    if logical is None:
        return {}
    # from_batches, not empty_table(): the latter imports pandas (pyarrow's pandas shim)
    target = pl.from_arrow(pa.Table.from_batches([], schema=logical)).schema
    return {n: dt for n, dt in target.items() if n in schema and schema[n] != dt}
