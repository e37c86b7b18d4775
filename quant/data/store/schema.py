"""Schemas: the user's logical Arrow schema, its storage form in Delta, hashing and enforcement.

Delta Lake stores timestamps with microsecond precision, so a column written as
``timestamp[ns, tz=UTC]`` is stored as ``timestamp[us, tz=UTC]`` and cast back on read.
The logical schema travels in every commit's metadata (Arrow IPC, base64; never pickle).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import polars as pl
import pyarrow as pa

from quant.data.store.errors import EmptyWrite, SchemaMismatch
from quant.data.store.names import check_column


def to_arrow(data: Any) -> pa.Table:
    """Accept a polars DataFrame or a pyarrow Table (or RecordBatch) and return an Arrow table."""
    if isinstance(data, pl.DataFrame):
        return data.to_arrow()
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    raise SchemaMismatch(
        f"cannot write a {type(data).__name__}: pass a polars DataFrame or a pyarrow Table"
    )


def _logical_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return pa.binary()
    if pa.types.is_dictionary(t):
        return _logical_type(t.value_type)
    if pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return pa.list_(_logical_type(t.value_type))
    if pa.types.is_list(t):
        return pa.list_(_logical_type(t.value_type))
    return t


def _storage_type(t: pa.DataType) -> pa.DataType:
    if pa.types.is_timestamp(t) and t.unit == "ns":
        return pa.timestamp("us", tz=t.tz)
    if pa.types.is_time64(t):
        return pa.time64("us")
    if pa.types.is_list(t):
        return pa.list_(_storage_type(t.value_type))
    return t


def logical_schema(table: pa.Table) -> pa.Schema:
    """Normalised logical schema of ``table`` (plain string/binary/list types, metadata dropped)."""
    fields = []
    for f in table.schema:
        check_column(f.name)
        fields.append(pa.field(f.name, _logical_type(f.type)))
    if len({f.name for f in fields}) != len(fields):
        raise SchemaMismatch("duplicate column names in written data")
    return pa.schema(fields)


def storage_schema(logical: pa.Schema) -> pa.Schema:
    """The schema the Delta table holds for a logical schema (ns timestamps become us)."""
    return pa.schema([pa.field(f.name, _storage_type(f.type)) for f in logical])


def schema_hash(logical: pa.Schema) -> str:
    """Stable short hash of column names and types (order-sensitive), 16 hex characters."""
    text = ";".join(f"{f.name}:{f.type}" for f in logical)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode_schema(schema: pa.Schema) -> str:
    """Arrow IPC serialisation of a schema as base64 text (for commit metadata)."""
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


def decode_schema(text: str) -> pa.Schema:
    """Inverse of :func:`encode_schema`."""
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def conform(table: pa.Table, expected: pa.Schema | None, name: str) -> tuple[pa.Table, pa.Schema]:
    """Check ``table`` against the dataset's logical schema; return (storage table, logical).

    Columns may come in any order (they are reordered); an all-null column is cast to the
    expected type; any other difference in names or types raises SchemaMismatch naming it.
    Timestamps with sub-microsecond parts are rejected rather than silently truncated.
    """
    if table.num_rows == 0:
        raise EmptyWrite(f"refusing to write 0 rows to dataset '{name}'")
    got = logical_schema(table)
    if expected is None:
        expected = got
    else:
        missing = [f.name for f in expected if f.name not in got.names]
        unknown = [n for n in got.names if n not in expected.names]
        if missing or unknown:
            raise SchemaMismatch(
                f"dataset '{name}': columns differ from the dataset's schema "
                f"(missing: {missing or 'none'}; unexpected: {unknown or 'none'})"
            )
        for f in expected:
            t = got.field(f.name).type
            if t != f.type and not pa.types.is_null(t):
                raise SchemaMismatch(
                    f"dataset '{name}': column '{f.name}' has type {t}, expected {f.type}"
                )
    columns = []
    for f in storage_schema(expected):
        col = table.column(f.name)
        try:
            columns.append(col.cast(f.type, safe=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
            raise SchemaMismatch(
                f"dataset '{name}': column '{f.name}' cannot be stored as {f.type}: {err}"
            ) from None
    return pa.Table.from_arrays(columns, schema=storage_schema(expected)), expected
