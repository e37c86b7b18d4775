"""Retention (gc), integrity checks (verify) and lock metrics for :class:`DatasetStore`.

gc keeps, per dataset: the latest version, the versions from the ``keep_last``-th most
recent data version on, and every version that is tagged, in a snapshot, or named in the
lineage of any version of any dataset. All other versions expire: their data files that no
kept version needs are deleted (Delta ``vacuum`` with ``keep_versions``, which also removes
orphan files left by killed writers) and the versions are recorded as expired, so reading
them says so instead of failing on a missing file.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from quant.data.store.checksum import table_checksum
from quant.data.store.core import StoreCore
from quant.data.store.errors import InvalidWrite


class MaintenanceMixin(StoreCore):
    """gc, verify and lock metrics."""

    def protected_versions(self) -> dict[str, set[int]]:
        """Versions gc must never remove: tagged, snapshotted or referenced by lineage."""
        out: dict[str, set[int]] = defaultdict(set)
        for ds in self.list():
            out[ds].update(int(t["version"]) for t in self.refs.tags(ds).values())
            for info in self.versions(ds):
                for up, v in info.lineage.items():
                    out[up].add(int(v))
        for snap in self.refs.snapshots():
            for ds, v in snap["datasets"].items():
                out[ds].add(int(v))
        return out

    def gc(
        self,
        names: list[str] | None = None,
        *,
        keep_last: int = 5,
        dry_run: bool = False,
    ) -> list[dict[str, Any]]:
        """Expire old unprotected versions and delete files no kept version needs."""
        if keep_last < 1:
            raise InvalidWrite("gc keep_last must be at least 1")
        targets = names if names is not None else self.list()
        for ds in targets:
            self.open_table(ds)  # DatasetNotFound before touching anything
        protected = self.protected_versions()
        return [self._gc_one(ds, protected.get(ds, set()), keep_last, dry_run) for ds in targets]

    def _gc_one(
        self, name: str, protected: set[int], keep_last: int, dry_run: bool
    ) -> dict[str, Any]:
        with self.lock(name).hold("gc"):
            infos = self.versions(name)
            data = [i.version for i in infos if i.operation != "maintenance"]
            floor = data[-keep_last] if len(data) >= keep_last else 0
            kept = {i.version for i in infos if i.version >= floor} | protected
            kept.add(infos[-1].version)
            already = self.refs.expired(name)
            expire = {i.version for i in infos} - kept - already
            dt = self.open_table(name)
            args = {
                "retention_hours": 0,
                "enforce_retention_duration": False,
                "keep_versions": sorted(kept & {i.version for i in infos}),
                "full": True,
            }
            files = dt.vacuum(dry_run=True, **args)
            size = sum(_size(self.table_uri(name), f) for f in files)
            if not dry_run and (files or expire):
                dt.vacuum(dry_run=False, **args)
                self.refs.add_expired(
                    name,
                    expire,
                    {
                        "at": datetime.now(UTC).isoformat(),
                        "expired": sorted(expire),
                        "files": len(files),
                        "bytes": size,
                    },
                )
        return {
            "dataset": name,
            "dry_run": dry_run,
            "kept_versions": sorted(kept),
            "protected_versions": sorted(protected),
            "expired_versions": sorted(expire),
            "files": len(files),
            "bytes": size,
            "file_list": files,
        }

    def verify(self, name: str, *, all_versions: bool = False) -> dict[str, Any]:
        """Recompute content checksums (latest, or every readable version) against the log."""
        infos = self.versions(name)
        expired = self.refs.expired(name)
        chosen = [i for i in infos if i.version not in expired] if all_versions else infos[-1:]
        checks = []
        for info in chosen:
            row: dict[str, Any] = {
                "version": info.version,
                "recorded": info.checksum,
                "rows_recorded": info.rows_total,
            }
            try:
                data = self.open_table(name, info.version).to_pyarrow_dataset()
                row["actual"] = str(table_checksum(data.to_batches()))
                row["rows_actual"] = data.count_rows()
                row["ok"] = row["actual"] == info.checksum and (
                    info.rows_total < 0 or row["rows_actual"] == info.rows_total
                )
            except (OSError, ValueError) as err:  # a data file is missing or unreadable
                row.update(actual=None, rows_actual=None, ok=False, error=str(err).splitlines()[0])
            checks.append(row)
        return {"dataset": name, "ok": all(c["ok"] for c in checks), "versions": checks}

    def lock_metrics(self, name: str | None = None) -> list[dict[str, Any]]:
        """Writer-lock metrics (waits, holds, contention, timeouts, stale recoveries, holder)."""
        names = [name] if name is not None else self.list()
        return [self.lock(ds).metrics() for ds in names]


def _size(table_uri: str, rel: str) -> int:
    path = rel if os.path.isabs(rel) else os.path.join(table_uri, rel)
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
