"""Tags, snapshots and garbage-collection records: small JSON files in ``<lake>/_quant/``.

Each file is replaced atomically (temp file + rename) and edited under a per-file lock, so
concurrent taggers never lose each other's changes and readers never see half a file.

Layout::

    _quant/tags/<dataset>.json       {tag: {"version", "created", "author", "message"}}
    _quant/snapshots/<snapshot>.json {"name", "created", "author", "message", "datasets": {ds: v}}
    _quant/gc/<dataset>.json         {"expired": [versions whose files gc removed], "runs": [...]}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from filelock import FileLock

from quant.data.store.lock import read_json, write_json_atomic


class Refs:
    """Reads and edits the JSON reference files under one lake's ``_quant`` folder."""

    def __init__(self, meta_dir: Path) -> None:
        self.dir = Path(meta_dir)

    def _path(self, kind: str, name: str) -> Path:
        return self.dir / kind / f"{name}.json"

    @contextmanager
    def _editing(self, path: Path, default: Any) -> Iterator[Callable[[Any], None]]:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(path.with_suffix(".lock"), thread_local=False, timeout=30):
            current = read_json(path, default)
            holder: list[Any] = [current]
            yield holder.append
            if len(holder) > 1:
                write_json_atomic(path, holder[-1])

    # tags ---------------------------------------------------------------------------------
    def tags(self, dataset: str) -> dict[str, dict[str, Any]]:
        """All tags of a dataset: ``{tag: {"version": int, ...}}``."""
        return read_json(self._path("tags", dataset), {})

    def set_tag(self, dataset: str, tag: str, record: dict[str, Any]) -> dict[str, Any] | None:
        """Point ``tag`` at ``record`` (moving it if it existed); return the previous record."""
        path = self._path("tags", dataset)
        with self._editing(path, {}) as save:
            current = read_json(path, {})
            previous = current.get(tag)
            current[tag] = record
            save(current)
        return previous

    def remove_tag(self, dataset: str, tag: str) -> dict[str, Any] | None:
        """Delete ``tag``; return its record, or None if it did not exist."""
        path = self._path("tags", dataset)
        with self._editing(path, {}) as save:
            current = read_json(path, {})
            previous = current.pop(tag, None)
            if previous is not None:
                save(current)
        return previous

    # snapshots ----------------------------------------------------------------------------
    def snapshot(self, name: str) -> dict[str, Any] | None:
        """A snapshot record, or None."""
        return read_json(self._path("snapshots", name))

    def snapshots(self) -> list[dict[str, Any]]:
        """Every snapshot record, sorted by name."""
        folder = self.dir / "snapshots"
        if not folder.is_dir():
            return []
        return [read_json(p) for p in sorted(folder.glob("*.json"))]

    def create_snapshot(self, name: str, record: dict[str, Any]) -> bool:
        """Create a snapshot; False if one with that name exists already (never overwritten)."""
        path = self._path("snapshots", name)
        with self._editing(path, None) as save:
            if path.exists():
                return False
            save(record)
        return True

    def delete_snapshot(self, name: str) -> bool:
        """Delete a snapshot; False if it did not exist."""
        path = self._path("snapshots", name)
        with self._editing(path, None):
            if not path.exists():
                return False
            path.unlink()
        return True

    # gc -----------------------------------------------------------------------------------
    def expired(self, dataset: str) -> set[int]:
        """Versions of ``dataset`` whose data files gc removed (no longer readable)."""
        return set(read_json(self._path("gc", dataset), {}).get("expired", []))

    def add_expired(self, dataset: str, versions: set[int], run: dict[str, Any]) -> None:
        """Record versions removed by a gc run."""
        path = self._path("gc", dataset)
        with self._editing(path, {}) as save:
            current = read_json(path, {"expired": [], "runs": []})
            current["expired"] = sorted(set(current.get("expired", [])) | versions)
            current["runs"] = [*current.get("runs", [])[-49:], run]
            save(current)
