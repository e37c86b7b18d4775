"""Retention (gc), integrity checks (verify) and lock metrics for :class:`DatasetStore`.

gc keeps, per dataset: the latest version, the versions from the ``keep_last``-th most
recent data version on, every version superseded less than the grace period ago, and every
version that is tagged, in a snapshot, or named in the lineage of any version of any
dataset (decided under the dataset's writer lock, which tag and snapshot take too). All
other versions expire: their data files that no kept version needs are deleted (Delta
``vacuum`` with ``keep_versions``, which also removes orphan files left by killed writers)
and the versions are recorded as expired, so reading them says so instead of failing on a
missing file.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from quant.data.store.checksum import table_checksum
from quant.data.store.core import StoreCore
from quant.data.store.errors import InvalidWrite
from quant.data.store.guard import storage_errors
from quant.data.store.metadata import VersionInfo


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
        grace_s: float | None = None,
    ) -> list[dict[str, Any]]:
        """Expire old unprotected versions and delete files no kept version needs.

        Per dataset, under its writer lock (which tag, untag and snapshot take as well):
        protection is decided, then files are vacuumed. Versions that stopped being the
        latest less than ``grace_s`` seconds ago (default: the ``gc_grace_s`` setting,
        QUANT_GC_GRACE_S) are kept so readers in flight are not cut off.
        """
        if keep_last < 1:
            raise InvalidWrite("gc keep_last must be at least 1")
        if grace_s is None:
            from quant.config import load_settings

            grace_s = load_settings().gc_grace_s
        if grace_s < 0:
            raise InvalidWrite(f"gc grace must be >= 0 seconds, got {grace_s}")
        targets = names if names is not None else self.list()
        for ds in targets:
            self.open_table(ds)  # DatasetNotFound before touching anything
        out = []
        for ds in targets:
            with storage_errors(f"dataset '{ds}'", "gc"):
                out.append(self._gc_one(ds, keep_last, dry_run, float(grace_s)))
        return out

    def _gc_one(self, name: str, keep_last: int, dry_run: bool, grace_s: float) -> dict[str, Any]:
        with self.lock(name).hold("gc"):
            protected = self.protected_versions().get(name, set())
            infos = self.versions(name)
            data = [i.version for i in infos if i.operation != "maintenance"]
            floor = data[-keep_last] if len(data) >= keep_last else 0
            recent = _recent(infos, grace_s)
            kept = {i.version for i in infos if i.version >= floor} | protected | recent
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
            "grace_s": grace_s,
            "kept_versions": sorted(kept),
            "protected_versions": sorted(protected),
            "recent_versions": sorted(recent),
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


def _recent(infos: list[VersionInfo], grace_s: float) -> set[int]:
    """Versions that were the latest data version less than ``grace_s`` seconds ago (a
    version stops being the latest when the next data-changing commit lands)."""
    now = datetime.now(UTC)
    out: set[int] = set()
    superseded_at: datetime | None = None  # commit time of the next data version
    for info in reversed(infos):
        if superseded_at is None or (now - superseded_at).total_seconds() < grace_s:
            out.add(info.version)
        if info.operation != "maintenance":
            superseded_at = info.timestamp
    return out


def _size(table_uri: str, rel: str) -> int:
    path = rel if os.path.isabs(rel) else os.path.join(table_uri, rel)
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
