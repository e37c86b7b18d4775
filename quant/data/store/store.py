"""``DatasetStore``: versioned datasets as Delta Lake tables under one lake folder.

Layout of a lake::

    <lake>/<dataset>/_delta_log/...      one Delta table per dataset (a version = a commit)
    <lake>/<dataset>/part-*.parquet
    <lake>/_quant/locks/                 writer locks, holder records, lock metrics
    <lake>/_quant/tags|snapshots|gc/     JSON reference files (see ``refs.py``)

Writers take the dataset's writer lock; readers never lock (a Delta version is immutable).
Imports point one way: this module -> versioning/maintenance/writes/diff -> ``core``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from quant.data.store import metadata, writes
from quant.data.store.diff import diff_versions
from quant.data.store.guard import storage_errors
from quant.data.store.maintenance import MaintenanceMixin
from quant.data.store.metadata import VersionInfo
from quant.data.store.names import check_dataset
from quant.data.store.ranges import RowRange
from quant.data.store.schema import to_arrow
from quant.data.store.versioning import VersioningMixin


class DatasetStore(VersioningMixin, MaintenanceMixin):
    """Versioned datasets (Delta tables) in one lake: write, read, time travel, history."""

    def _write(
        self,
        op: str,
        name: str,
        data: Any,
        *,
        key: Sequence[str] | None = None,
        replace: RowRange | None = None,
        migrate: bool = False,
        skip_unchanged: bool = False,
        volatile: Sequence[str] = (),
        message: str = "",
        author: str | None = None,
        lineage: dict[str, int] | None = None,
        extra: dict[str, str] | None = None,
        priority: bool = False,
    ) -> VersionInfo:
        check_dataset(name)
        table = to_arrow(data)
        if key is not None:
            key = writes.check_key(key, table, name)
        fields = {
            "message": str(message),
            "author": author or self.author or metadata.default_author(),
            "lineage": writes.check_lineage(self, lineage),
            "extra": writes.check_extra(extra),
        }
        options = writes.WriteOptions(
            key=tuple(key) if key is not None else None,
            replace=replace,
            migrate=migrate,
            skip_unchanged=skip_unchanged,
            volatile=tuple(volatile),
        )
        with storage_errors(f"dataset '{name}'", op):
            with self.lock(name).hold(op, priority=priority):
                version = writes.commit_write(self, op, name, table, fields=fields, options=options)
            return self.version_info(name, version)

    def append(self, name: str, data: Any, **kwargs: Any) -> VersionInfo:
        """Add rows as a new version (creates the dataset on first write).

        Keyword arguments of every write: ``message``, ``author`` (default ``user@host``),
        ``lineage`` ({dataset: version} this data was computed from), ``extra`` (str -> str
        commit metadata), ``priority`` (True for HALT-related writes: they go ahead of
        queued normal writes) and ``skip_unchanged`` (True: when the content after the
        write equals the current version's, commit nothing and return the current version;
        columns named in ``volatile``, e.g. a run timestamp, are left out of that test).
        New columns merge into the schema (old rows read null; ``schema_version`` counts
        the changes); a dropped column or changed type raises SchemaMismatch.
        """
        return self._write("append", name, data, **kwargs)

    def overwrite(
        self, name: str, data: Any, *, migrate: bool = False, **kwargs: Any
    ) -> VersionInfo:
        """Replace all rows with ``data`` as a new version (same schema, or new columns
        added; ``migrate=True`` accepts any new schema: the way to drop, rename or retype)."""
        return self._write("overwrite", name, data, migrate=migrate, **kwargs)

    def diff(
        self, name: str, a: int | str, b: int | str, key: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """How version/tag ``b`` differs from ``a`` (see :func:`diff.diff_versions`)."""
        return diff_versions(self, name, a, b, key)

    def upsert(
        self, name: str, data: Any, key: Sequence[str] = ("symbol", "ts"), **kwargs: Any
    ) -> VersionInfo:
        """Insert rows whose key is new and replace rows whose key exists, as a new version."""
        return self._write("upsert", name, data, key=key, **kwargs)

    def replace_range(
        self,
        name: str,
        data: Any,
        *,
        symbol: str,
        start: datetime | None = None,
        end: datetime | None = None,
        **kwargs: Any,
    ) -> VersionInfo:
        """Replace every row of ``symbol`` with ``start <= ts <= end`` (None = open bound) by
        ``data`` in one commit: rows of the range absent from ``data`` are deleted. Every
        row of ``data`` must lie in the range. Creates the dataset on first write."""
        rng = RowRange(symbol, start, end)
        return self._write("replace", name, data, replace=rng, **kwargs)
