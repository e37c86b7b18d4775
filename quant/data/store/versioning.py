"""Rollback, tags and snapshots: the parts of the store that name and restore versions.

Tag, untag and snapshot hold the dataset's writer lock (a snapshot: each member's, taken in
name order) while they resolve and record a version, so ``gc``, which decides protection
under the same lock, never vacuums a version being tagged.

A rollback is a Delta ``restore`` committed as a new version: it re-adds the target
version's data files (metadata only, whatever the table's size) and carries the target's
row count, schema and checksum. History is never rewritten, so a rollback can be rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import polars as pl
from deltalake.exceptions import CommitFailedError

from quant.data.store import metadata, writes
from quant.data.store.core import StoreCore
from quant.data.store.errors import (
    CommitConflict,
    InvalidWrite,
    SnapshotNotFound,
    TagNotFound,
)
from quant.data.store.guard import storage_errors
from quant.data.store.metadata import VersionInfo
from quant.data.store.names import check_dataset, check_tag
from quant.data.store.schema import encode_schema


def _now() -> str:
    return datetime.now(UTC).isoformat()


class VersioningMixin(StoreCore):
    """Rollback, tag/untag and snapshots for :class:`DatasetStore`."""

    # -- rollback ----------------------------------------------------------------------
    def rollback(
        self, name: str, to: int | str, *, reason: str, author: str | None = None
    ) -> VersionInfo:
        """Restore version/tag ``to`` as a new version (priority writer; metadata only)."""
        if not reason or not str(reason).strip():
            raise InvalidWrite("a rollback needs a reason")
        target = self.resolve_ref(name, to)
        with (
            storage_errors(f"dataset '{name}'", "rollback"),
            self.lock(name).hold("rollback", priority=True),
        ):
            dt = self.open_table(name)
            current = dt.version()
            info = self.version_info(name, target)
            current_info = self.version_info(name, current)
            if (
                current_info.checksum == info.checksum
                and current_info.rows_total == info.rows_total
            ):
                raise InvalidWrite(
                    f"dataset '{name}' version {current} already holds the content of "
                    f"version {target}; nothing to roll back"
                )
            now = _files(dt)
            then = _files(self.open_table(name, target))
            values = {
                "operation": "rollback",
                "message": str(reason),
                "author": author or metadata.default_author(),
                "rows_added": sum(n for p, n in then.items() if p not in now),
                "rows_removed": sum(n for p, n in now.items() if p not in then),
                "rows_total": info.rows_total,
                "schema_hash": info.schema_hash,
                "schema": encode_schema(self.logical_schema_at(name, target)),
                "schema_version": info.schema_version,
                "checksum": info.checksum,
                "lineage": info.lineage,
                "code_version": metadata.code_version(),
                "extra": {"rollback_to": str(target), "rollback_from": str(current)},
            }
            try:
                dt.restore(
                    target,
                    commit_properties=writes.commit_properties(values),
                    post_commithook_properties=writes.HOOKS,
                )
            except CommitFailedError as err:
                raise CommitConflict(
                    f"dataset '{name}': rollback lost a commit race to a writer outside the "
                    f"store's lock; nothing was written ({err})"
                ) from None
            version = self.latest_version(name)
        return self.version_info(name, version)

    # -- tags --------------------------------------------------------------------------
    def tag(
        self,
        name: str,
        tag: str,
        *,
        version: int | None = None,
        message: str = "",
        author: str | None = None,
        move: bool = False,
    ) -> dict[str, Any]:
        """Name a version (latest if None); an existing tag moves only with ``move=True``."""
        check_tag(tag)
        with storage_errors(f"dataset '{name}'", "tag"), self.lock(name).hold("tag"):
            v = self.resolve(name, version=version)  # under the lock gc takes: not expiring
            existing = self.refs.tags(name).get(tag)
            if existing is not None and not move and int(existing["version"]) != v:
                raise InvalidWrite(
                    f"tag '{tag}' of dataset '{name}' already points at version "
                    f"{existing['version']}; untag it or move it explicitly"
                )
            record = {
                "tag": tag,
                "dataset": name,
                "version": v,
                "created": _now(),
                "author": author or metadata.default_author(),
                "message": message,
            }
            self.refs.set_tag(name, tag, record)
        return record

    def untag(self, name: str, tag: str) -> dict[str, Any]:
        """Remove a tag; TagNotFound if it does not exist."""
        check_tag(tag)
        self.open_table(name)  # DatasetNotFound first
        with storage_errors(f"dataset '{name}'", "untag"), self.lock(name).hold("untag"):
            removed = self.refs.remove_tag(name, tag)
        if removed is None:
            raise TagNotFound(f"dataset '{name}' has no tag '{tag}'")
        return removed

    def tags(self, name: str) -> list[dict[str, Any]]:
        """Every tag of a dataset, by name."""
        self.open_table(name)
        return [self.refs.tags(name)[t] for t in sorted(self.refs.tags(name))]

    # -- snapshots ---------------------------------------------------------------------
    def create_snapshot(
        self,
        snapshot: str,
        datasets: Mapping[str, int | str | None] | Iterable[str],
        *,
        message: str = "",
        author: str | None = None,
    ) -> dict[str, Any]:
        """Record a named set of dataset versions. ``datasets`` maps name -> version, tag or
        None (latest), or is a list of ``"name"``, ``"name@VERSION"``, ``"name@TAG"``."""
        check_tag(snapshot, "snapshot")
        pairs = _parse_members(datasets)
        if not pairs:
            raise InvalidWrite("a snapshot needs at least one dataset")
        with storage_errors(f"snapshot '{snapshot}'", "snapshot"), ExitStack() as held:
            for ds in sorted(pairs):  # one order for everyone: no deadlock between snapshots
                self.open_table(ds)
                held.enter_context(self.lock(ds).hold("snapshot"))
            resolved = {
                ds: (self.resolve(ds) if ref is None else self.resolve_ref(ds, ref))
                for ds, ref in pairs.items()
            }
            record = {
                "name": snapshot,
                "created": _now(),
                "author": author or metadata.default_author(),
                "message": message,
                "datasets": resolved,
                "checksums": {ds: self.version_info(ds, v).checksum for ds, v in resolved.items()},
            }
            if not self.refs.create_snapshot(snapshot, record):
                raise InvalidWrite(f"snapshot '{snapshot}' exists already (snapshots never change)")
        return record

    def snapshot(self, snapshot: str) -> dict[str, Any]:
        """A snapshot's record; SnapshotNotFound if absent."""
        record = self.refs.snapshot(check_tag(snapshot, "snapshot"))
        if record is None:
            raise SnapshotNotFound(f"no snapshot named '{snapshot}'")
        return record

    def snapshots(self) -> list[dict[str, Any]]:
        """Every snapshot record."""
        return self.refs.snapshots()

    def delete_snapshot(self, snapshot: str) -> None:
        """Delete a snapshot (its versions lose that gc protection)."""
        if not self.refs.delete_snapshot(check_tag(snapshot, "snapshot")):
            raise SnapshotNotFound(f"no snapshot named '{snapshot}'")

    def read_snapshot(self, snapshot: str) -> dict[str, pl.DataFrame]:
        """Every dataset of a snapshot at its recorded version."""
        record = self.snapshot(snapshot)
        return {ds: self.read(ds, version=int(v)) for ds, v in record["datasets"].items()}


def _files(dt: Any) -> dict[str, int]:
    actions = dt.get_add_actions(flatten=True)
    return dict(
        zip(
            actions.column("path").to_pylist(),
            actions.column("num_records").to_pylist(),
            strict=True,
        )
    )


def _parse_members(datasets: Mapping[str, Any] | Iterable[str]) -> dict[str, Any]:
    if isinstance(datasets, Mapping):
        return {check_dataset(k): v for k, v in datasets.items()}
    out: dict[str, Any] = {}
    for item in datasets:
        ds, _, ref = str(item).partition("@")
        out[check_dataset(ds)] = ref or None
    return out
