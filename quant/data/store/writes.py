"""The write path: conform the data, work out rows and checksum, commit with metadata.

Runs with the dataset's writer lock held (see ``DatasetStore``), so the latest version read
here is the one the new commit follows. A Delta commit conflict (a writer that bypassed the
lock) re-runs the whole preparation a few times, then fails with ``CommitConflict``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, PostCommitHookProperties, write_deltalake
from deltalake.exceptions import CommitFailedError
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_random

from quant.data.store import metadata
from quant.data.store.checksum import Checksum, table_checksum
from quant.data.store.errors import CommitConflict, InvalidWrite
from quant.data.store.schema import conform, encode_schema, logical_schema, schema_hash

if TYPE_CHECKING:
    from quant.data.store.store import DatasetStore

#: Table properties of every dataset: keep the whole log (time travel is a feature here).
TABLE_CONFIG = {
    "delta.enableExpiredLogCleanup": "false",
    "delta.logRetentionDuration": "interval 36500 days",
}
HOOKS = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)


def commit_properties(values: dict[str, Any]) -> CommitProperties:
    """Delta commit properties carrying the store's metadata (no retries: we hold the lock)."""
    return CommitProperties(custom_metadata=metadata.encode(values), max_commit_retries=0)


def current_state(
    store: DatasetStore, name: str, dt: DeltaTable
) -> tuple[int, Checksum, pa.Schema]:
    """(rows, checksum, logical schema) of the latest version, recomputed if a foreign writer
    left no store metadata."""
    version = dt.version()
    info, _ = store.version_record(name, version)
    schema = store.logical_schema_at(name, version)
    if info.checksum and info.rows_total >= 0:
        return info.rows_total, Checksum.parse(info.checksum), schema
    data = dt.to_pyarrow_dataset()
    return data.count_rows(), table_checksum(data.to_batches()), schema


def commit_write(
    store: DatasetStore,
    op: str,
    name: str,
    table: pa.Table,
    *,
    key: Sequence[str] | None,
    fields: dict[str, Any],
) -> int:
    """Commit one append/overwrite/upsert and return the new version number."""
    try:
        for attempt in Retrying(
            retry=retry_if_exception_type(CommitFailedError),
            stop=stop_after_attempt(4),
            wait=wait_random(0.01, 0.1),
            reraise=False,
        ):
            with attempt:
                return _commit_once(store, op, name, table, key=key, fields=fields)
    except RetryError as err:
        raise CommitConflict(
            f"dataset '{name}': {op} lost 4 optimistic-concurrency races to writers outside "
            f"the store's lock; nothing was written ({err.last_attempt.exception()})"
        ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _commit_once(
    store: DatasetStore,
    op: str,
    name: str,
    table: pa.Table,
    *,
    key: Sequence[str] | None,
    fields: dict[str, Any],
) -> int:
    uri = store.table_uri(name)
    dt = store.open_table(name) if store.exists(name) else None
    if dt is None:
        total, checksum, expected = 0, Checksum(), None
    else:
        total, checksum, expected = current_state(store, name, dt)
    stored, logical = conform(table, expected, name)
    n = stored.num_rows
    if op == "append" or dt is None:
        added, removed, checksum = n, 0, checksum + Checksum.of(stored)
    elif op == "overwrite":
        added, removed, checksum = n, total, Checksum.of(stored)
    else:
        added, removed, delta = _upsert_delta(dt, stored, key or ())
        checksum = checksum + delta
    values = {
        **fields,
        "operation": op,
        "rows_added": added,
        "rows_removed": removed,
        "rows_total": total + added - removed,
        "schema_hash": schema_hash(logical),
        "schema": encode_schema(logical),
        "checksum": str(checksum),
        "code_version": metadata.code_version(),
    }
    props = commit_properties(values)
    if dt is None:
        write_deltalake(
            uri,
            stored,
            mode="append",
            configuration=TABLE_CONFIG,
            commit_properties=props,
            post_commithook_properties=HOOKS,
        )
    elif op == "append":
        write_deltalake(
            dt, stored, mode="append", commit_properties=props, post_commithook_properties=HOOKS
        )
    elif op == "overwrite":
        write_deltalake(
            dt, stored, mode="overwrite", commit_properties=props, post_commithook_properties=HOOKS
        )
    else:
        predicate = " AND ".join(f"t.`{k}` = s.`{k}`" for k in key or ())
        (
            dt.merge(
                stored,
                predicate=predicate,
                source_alias="s",
                target_alias="t",
                commit_properties=props,
                post_commithook_properties=HOOKS,
            )
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )
    return store.latest_version(name)


def _upsert_delta(
    dt: DeltaTable, stored: pa.Table, key: Sequence[str]
) -> tuple[int, int, Checksum]:
    """Rows added, rows removed and the checksum change of an upsert (before committing it).

    A target row whose key appears in ``stored`` is replaced by that source row (so a key
    duplicated m times in the target yields m copies of the new row); other source rows are
    inserted.
    """
    keys = list(key)
    src = pl.from_arrow(stored.select(keys)).with_row_index("_src")
    names = stored.schema.names
    target = pl.scan_pyarrow_dataset(dt.to_pyarrow_dataset())
    bounds = _key_bounds(src, keys)
    if bounds is not None:
        target = target.filter(bounds)  # pushed down: only files that may hold these keys
    matched = target.join(src.lazy(), on=keys, how="inner", nulls_equal=False).collect()
    counts = np.ones(stored.num_rows, dtype=np.int64)
    if matched.height:
        per = matched.group_by("_src").len()
        counts[per["_src"].to_numpy()] = per["len"].to_numpy()
    old = matched.select(names).to_arrow() if matched.height else stored.slice(0, 0)
    delta = Checksum.of(stored, counts) - Checksum.of(old)
    return int(counts.sum()), matched.height, delta


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


def check_lineage(store: DatasetStore, lineage: dict[str, int] | None) -> dict[str, int]:
    """Validate lineage: every named dataset and version must exist."""
    out: dict[str, int] = {}
    for ds, v in (lineage or {}).items():
        if isinstance(v, bool) or not isinstance(v, int | np.integer):
            raise InvalidWrite(f"lineage version of '{ds}' must be an int, got {v!r}")
        store.version_info(ds, int(v))  # raises DatasetNotFound / VersionNotFound
        out[ds] = int(v)
    return out


def check_extra(extra: dict[str, str] | None) -> dict[str, str]:
    """Validate free-form metadata: string keys and string values."""
    out = {}
    for k, v in (extra or {}).items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise InvalidWrite(f"extra metadata must be str -> str, got {k!r}: {v!r}")
        out[k] = v
    return out


def check_key(key: Sequence[str], table: pa.Table, name: str) -> tuple[str, ...]:
    """Validate upsert key columns against the written data."""
    if isinstance(key, str):
        key = (key,)
    names = logical_schema(table).names
    missing = [k for k in key if k not in names]
    if not key or missing:
        raise InvalidWrite(f"dataset '{name}': upsert key {list(key)} not in columns {names}")
    keys = pl.from_arrow(table.select(list(key)))
    dup = keys.is_duplicated()
    if dup.any():
        row = keys.filter(dup).row(0, named=True)
        raise InvalidWrite(f"dataset '{name}': upsert data repeats the key {row}")
    return tuple(key)
