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


MIGRATE_HINT = (
    "to migrate, rewrite the whole dataset in the new schema with "
    "store.overwrite(name, data, migrate=True) (or rebuild it under a new name)"
)


def evolve(got: pa.Schema, expected: pa.Schema | None, name: str) -> pa.Schema:
    """The dataset's logical schema after writing data of schema ``got``.

    Additive changes merge: columns ``got`` adds are appended (old rows read them as null).
    A missing column (dropped or renamed) or a changed type raises SchemaMismatch saying
    what changed and how to migrate. An all-null column takes the expected type.
    """
    if expected is None:
        untyped = [f.name for f in got if pa.types.is_null(f.type)]
        if untyped:
            raise SchemaMismatch(
                f"dataset '{name}': column(s) {untyped} hold only nulls and have no type; "
                "cast them to a type before the first write"
            )
        return got
    missing = [f.name for f in expected if f.name not in got.names]
    changed = [
        f"'{f.name}' {f.type} -> {got.field(f.name).type}"
        for f in expected
        if f.name in got.names
        and got.field(f.name).type != f.type
        and not pa.types.is_null(got.field(f.name).type)
    ]
    if missing or changed:
        parts = []
        if missing:
            parts.append(f"column(s) {missing} missing (dropped or renamed)")
        if changed:
            parts.append(f"type changed: {', '.join(changed)}")
        raise SchemaMismatch(
            f"dataset '{name}': incompatible schema change ({'; '.join(parts)}); only new "
            f"nullable columns merge automatically; {MIGRATE_HINT}"
        )
    added = [f for f in got if f.name not in expected.names]
    untyped = [f.name for f in added if pa.types.is_null(f.type)]
    if untyped:
        raise SchemaMismatch(
            f"dataset '{name}': new column(s) {untyped} hold only nulls and have no type; "
            "cast them to a type to add them"
        )
    return pa.schema([*expected, *added])


def conform(
    table: pa.Table, expected: pa.Schema | None, name: str, *, migrate: bool = False
) -> tuple[pa.Table, pa.Schema]:
    """Check ``table`` against the dataset's logical schema; return (storage table, logical).

    Columns may come in any order (they are reordered); an all-null column is cast to the
    expected type; new columns are appended (see :func:`evolve`); ``migrate`` takes the
    data's schema as the new one whatever changed. Timestamps with sub-microsecond parts
    are rejected rather than silently truncated.
    """
    if table.num_rows == 0:
        raise EmptyWrite(f"refusing to write 0 rows to dataset '{name}'")
    logical = evolve(logical_schema(table), None if migrate else expected, name)
    columns = []
    for f in storage_schema(logical):
        col = table.column(f.name)
        try:
            columns.append(col.cast(f.type, safe=True))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
            raise SchemaMismatch(
                f"dataset '{name}': column '{f.name}' cannot be stored as {f.type}: {err}"
            ) from None
    return pa.Table.from_arrays(columns, schema=storage_schema(logical)), logical
