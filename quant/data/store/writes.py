"""The write path: conform the data, work out rows and checksum, commit with metadata.

Runs with the dataset's writer lock held (see ``DatasetStore._write``), so the latest version read
here is the one the new commit follows. A Delta commit conflict (a writer that bypassed the
lock, or on object storage a writer on another machine: its lock is local) re-runs the
whole preparation a few times, then fails with ``CommitConflict``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, PostCommitHookProperties, write_deltalake
from deltalake.exceptions import CommitFailedError

from quant.data.store import metadata
from quant.data.store.changes import changes, rehash, unchanged
from quant.data.store.checksum import Checksum, table_checksum
from quant.data.store.errors import CommitConflict, InvalidWrite
from quant.data.store.ranges import RowRange
from quant.data.store.schema import conform, encode_schema, logical_schema, schema_hash

if TYPE_CHECKING:
    from quant.data.store.core import StoreCore

#: Table properties of every dataset: keep the whole log (time travel is a feature here).
TABLE_CONFIG = {
    "delta.enableExpiredLogCleanup": "false",
    "delta.logRetentionDuration": "interval 36500 days",
}
#: Commit attempts before CommitConflict: a local lake's writers share the lock, so a conflict
#: means a foreign writer; an object-store lake's writers on other machines do not share it
#: (their commits are serialised by S3's conditional put, the loser re-prepares and retries).
LOCAL_ATTEMPTS, URI_ATTEMPTS = 4, 12
HOOKS = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)


def commit_properties(values: dict[str, Any]) -> CommitProperties:
    """Delta commit properties carrying the store's metadata (no retries: we hold the lock)."""
    return CommitProperties(custom_metadata=metadata.encode(values), max_commit_retries=0)


def current_state(store: StoreCore, name: str, dt: DeltaTable) -> tuple[int, Checksum, pa.Schema]:
    """(rows, checksum, logical schema) of the latest version, recomputed if a foreign writer
    left no store metadata."""
    version = dt.version()
    info, _ = store.version_record(name, version)
    schema = store.logical_schema_at(name, version)
    if info.checksum and info.rows_total >= 0:
        return info.rows_total, Checksum.parse(info.checksum), schema
    data = dt.to_pyarrow_dataset()
    return data.count_rows(), table_checksum(data.to_batches()), schema


@dataclass(frozen=True)
class WriteOptions:
    """How a write commits: upsert ``key``, the ``replace`` range of replace_range,
    ``migrate`` (overwrite into any new schema) and ``skip_unchanged`` (commit nothing when
    the content after the write equals the current version's, ``volatile`` columns such as
    a run timestamp not compared)."""

    key: tuple[str, ...] | None = None
    replace: RowRange | None = None
    migrate: bool = False
    skip_unchanged: bool = False
    volatile: tuple[str, ...] = ()


def commit_write(
    store: StoreCore,
    op: str,
    name: str,
    table: pa.Table,
    *,
    fields: dict[str, Any],
    options: WriteOptions,
) -> int:
    """Commit one append/overwrite/upsert/replace and return the resulting version number
    (the current one when ``skip_unchanged`` found nothing to change)."""
    from tenacity import (
        RetryError,
        Retrying,
        retry_if_exception_type,
        stop_after_attempt,
        wait_random,
    )

    attempts = URI_ATTEMPTS if store.is_uri else LOCAL_ATTEMPTS
    try:
        for attempt in Retrying(
            retry=retry_if_exception_type(CommitFailedError),
            stop=stop_after_attempt(attempts),
            wait=wait_random(0.01, 0.1),
            reraise=False,
        ):
            with attempt:
                return _commit_once(store, op, name, table, fields=fields, options=options)
    except RetryError as err:
        raise CommitConflict(
            f"dataset '{name}': {op} lost {attempts} optimistic-concurrency races to writers "
            f"outside the store's lock; nothing was written ({err.last_attempt.exception()})"
        ) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _schema_version(store: StoreCore, name: str, changed: bool) -> int:
    """The schema version to record: the current one, or one past the highest if changed."""
    if not store.exists(name):
        return 1
    infos = store.versions(name)
    if not changed:
        return infos[-1].schema_version
    return max(i.schema_version for i in infos) + 1


def _commit_once(
    store: StoreCore,
    op: str,
    name: str,
    table: pa.Table,
    *,
    fields: dict[str, Any],
    options: WriteOptions,
) -> int:
    uri = store.table_uri(name)
    dt = store.open_table(name) if store.exists(name) else None
    if dt is None:
        total, checksum, expected = 0, Checksum(), None
    else:
        total, checksum, expected = current_state(store, name, dt)
    migrate = options.migrate and op == "overwrite"
    stored, logical = conform(table, expected, name, migrate=migrate)
    if options.replace is not None:
        options.replace.check_inside(stored, name)
    changed = expected is not None and logical != expected
    if changed and op != "overwrite":
        assert dt is not None
        checksum = rehash(dt, stored.schema)  # old rows now carry the new columns as null
    change = changes(
        op,
        dt,
        stored,
        total=total,
        checksum=checksum,
        key=options.key or (),
        replace=options.replace,
    )
    if options.skip_unchanged and dt is not None and not changed:
        current = store.version_info(name, dt.version()).checksum
        if unchanged(change, stored, current, op=op, dt=dt, volatile=options.volatile):
            return dt.version()  # same content as the current version: commit nothing
    values = {
        **fields,
        "operation": op,
        "rows_added": change.added,
        "rows_removed": change.removed,
        "rows_total": total + change.added - change.removed,
        "schema_hash": schema_hash(logical),
        "schema": encode_schema(logical),
        "schema_version": _schema_version(store, name, changed),
        "checksum": str(change.checksum),
        "code_version": metadata.code_version(),
    }
    common = {"commit_properties": commit_properties(values), "post_commithook_properties": HOOKS}
    if dt is None:
        write_deltalake(
            uri,
            stored,
            mode="append",
            configuration=TABLE_CONFIG,
            storage_options=store.storage_options,
            **common,
        )
    elif op in ("append", "overwrite", "replace"):
        mode = "append" if op == "append" else "overwrite"
        schema_mode = "overwrite" if migrate and changed else ("merge" if changed else None)
        predicate = options.replace.predicate() if options.replace is not None else None
        write_deltalake(
            dt, stored, mode=mode, schema_mode=schema_mode, predicate=predicate, **common
        )
    else:
        on = " AND ".join(f"t.`{k}` = s.`{k}`" for k in options.key or ())
        merger = dt.merge(
            stored, predicate=on, source_alias="s", target_alias="t", merge_schema=changed, **common
        )
        merger.when_matched_update_all().when_not_matched_insert_all().execute()
    return store.latest_version(name)


def check_lineage(store: StoreCore, lineage: dict[str, int] | None) -> dict[str, int]:
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
