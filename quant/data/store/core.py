"""``StoreCore``: locations, history, version resolution and reads of a lake's datasets.

``DatasetStore`` (``store.py``) adds the writes; the versioning and maintenance mixins build
on this class, so imports point one way: store -> mixins/writes/diff -> core.

Layout of a lake::

    <lake>/<dataset>/_delta_log/...      one Delta table per dataset (a version = a commit)
    <lake>/<dataset>/part-*.parquet
    <lake>/_quant/locks/                 writer locks, holder records, lock metrics
    <lake>/_quant/tags|snapshots|gc/     JSON reference files (see ``refs.py``)

Writers take the dataset's writer lock; readers never lock (a Delta version is immutable).
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa
from deltalake import DeltaTable

from quant.data.store import metadata
from quant.data.store.errors import (
    DatasetNotFound,
    InvalidWrite,
    TagNotFound,
    VersionNotFound,
)
from quant.data.store.lock import WriterLock
from quant.data.store.metadata import VersionInfo
from quant.data.store.names import check_dataset, check_tag
from quant.data.store.reads import (
    Filters,
    check_columns,
    duckdb_filter,
    logical_casts,
    polars_filter,
)
from quant.data.store.refs import Refs
from quant.data.store.schema import decode_schema, logical_schema

if TYPE_CHECKING:  # DuckDB loads with the first relation: plain reads never import it
    import duckdb

META = "_quant"
_COMMIT = re.compile(r"\d{20}\.json")


class StoreCore:
    """A lake's datasets (Delta tables): locations, history, time travel and reads."""

    def __init__(
        self,
        root: str | Path,
        *,
        lock_timeout_s: float | None = None,
        meta_dir: str | Path | None = None,
        author: str | None = None,
        storage_options: dict[str, str] | None = None,
    ) -> None:
        self.author = author  # default author of this store's writes (else user@host)
        # object-store settings of deltalake (AWS_ENDPOINT_URL, AWS_REGION, ...); None = the
        # standard AWS_* environment variables, which deltalake reads itself
        self.storage_options = dict(storage_options) if storage_options else None
        text = str(root)
        self.is_uri = "://" in text and not text.startswith("file://")
        self.root: str | Path = (
            text.rstrip("/") if self.is_uri else Path(text.removeprefix("file://"))
        )
        if (meta_dir is None and self.is_uri) or lock_timeout_s is None:
            from quant.config import load_settings

            cfg = load_settings()
            meta_dir = meta_dir or (cfg.lake_meta if self.is_uri else None)
            lock_timeout_s = cfg.lock_timeout_s if lock_timeout_s is None else lock_timeout_s
        if meta_dir is None:
            if self.is_uri:
                raise InvalidWrite(
                    "an object-store lake needs a local meta_dir for locks and refs "
                    "(DatasetStore(..., meta_dir=) or QUANT_LAKE_META)"
                )
            meta_dir = Path(self.root) / META
        self.meta_dir = Path(meta_dir)
        self.lock_timeout_s = float(lock_timeout_s)
        self.refs = Refs(self.meta_dir)
        self._history: dict[str, tuple[int, list[tuple[VersionInfo, dict[str, str]]]]] = {}
        self._mutex = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.root)!r})"

    # -- locations ---------------------------------------------------------------------
    def table_uri(self, name: str) -> str:
        """Location of a dataset's Delta table."""
        check_dataset(name)
        return f"{self.root}/{name}" if self.is_uri else str(Path(self.root) / name)

    def lock(self, name: str) -> WriterLock:
        """The writer lock of a dataset (also usable around multi-step writes)."""
        return WriterLock(self.meta_dir / "locks", check_dataset(name), self.lock_timeout_s)

    def exists(self, name: str) -> bool:
        """True if the dataset exists."""
        return DeltaTable.is_deltatable(self.table_uri(name), self.storage_options)

    def list(self) -> list[str]:
        """Names of all datasets in the lake, sorted."""
        if self.is_uri:
            raise InvalidWrite("listing an object-store lake is not supported; name the dataset")
        root = Path(self.root)
        if not root.is_dir():
            return []
        return sorted(
            p.name for p in root.iterdir() if p.name != META and (p / "_delta_log").is_dir()
        )

    def open_table(self, name: str, version: int | None = None) -> DeltaTable:
        """The dataset's DeltaTable (latest or at ``version``); DatasetNotFound if absent."""
        if not self.exists(name):
            raise DatasetNotFound(f"dataset '{name}' does not exist in lake {self.root}")
        return DeltaTable(
            self.table_uri(name), version=version, storage_options=self.storage_options
        )

    # -- history -----------------------------------------------------------------------
    def latest_version(self, name: str) -> int:
        """The newest version number (for a local lake: from the log listing, no log replay)."""
        if self.is_uri:
            return self.open_table(name).version()
        log_dir = Path(self.table_uri(name)) / "_delta_log"
        try:
            numbers = [int(e.name[:20]) for e in os.scandir(log_dir) if _COMMIT.fullmatch(e.name)]
        except FileNotFoundError:
            numbers = []
        if not numbers:
            raise DatasetNotFound(f"dataset '{name}' does not exist in lake {self.root}")
        return max(numbers)

    def _commits(self, name: str, after: int, latest: int) -> list[dict[str, Any]]:
        """commitInfo of versions ``after+1 .. latest`` (local: read from the log files)."""
        if self.is_uri:
            commits = self.open_table(name).history(latest - after if after >= 0 else None)
            return [c for c in commits if after < int(c["version"]) <= latest]
        log_dir = Path(self.table_uri(name)) / "_delta_log"
        out = []
        for v in range(after + 1, latest + 1):
            info: dict[str, Any] = {"version": v}
            with open(log_dir / f"{v:020d}.json") as fh:
                for line in fh:
                    action = json.loads(line)
                    if "commitInfo" in action:
                        info.update(action["commitInfo"], version=v)
                        break
            out.append(info)
        return out

    def _records(self, name: str) -> list[tuple[VersionInfo, dict[str, str]]]:
        """Decoded history, oldest first; cached per dataset and extended incrementally."""
        latest = self.latest_version(name)
        with self._mutex:
            cached_latest, cached = self._history.get(name, (-1, []))
        if cached_latest == latest:
            return cached
        if cached_latest > latest:  # the dataset was re-created
            cached_latest, cached = -1, []
        commits = self._commits(name, cached_latest, latest)
        new = sorted((metadata.decode(name, c) for c in commits), key=lambda r: r[0].version)
        recs = [*cached, *new]
        for i in range(max(1, len(cached)), len(recs)):
            info, raw = recs[i]
            if "operation" not in raw and raw["_delta_operation"] in metadata.NO_DATA_CHANGE:
                recs[i] = (metadata.inherit(info, recs[i - 1][0]), raw)
        with self._mutex:
            self._history[name] = (latest, recs)
        return recs

    def versions(self, name: str) -> list[VersionInfo]:
        """The dataset's full history, oldest first."""
        return [info for info, _ in self._records(name)]

    def version_record(
        self, name: str, version: int | None = None
    ) -> tuple[VersionInfo, dict[str, str]]:
        """VersionInfo and raw ``quant.`` commit fields of one version (None = latest)."""
        recs = self._records(name)
        if version is None:
            return recs[-1]
        by_version = {info.version: (info, raw) for info, raw in recs}
        if version not in by_version:
            raise VersionNotFound(
                f"dataset '{name}' has no version {version} (versions {recs[0][0].version}.."
                f"{recs[-1][0].version})"
            )
        return by_version[version]

    def version_info(self, name: str, version: int | None = None) -> VersionInfo:
        """Metadata of one version (None = latest)."""
        return self.version_record(name, version)[0]

    def logical_schema_at(self, name: str, version: int) -> pa.Schema:
        """The logical Arrow schema of a version (as written, e.g. with ns timestamps)."""
        for info, raw in reversed(self._records(name)):
            if info.version <= version and "schema" in raw:
                return decode_schema(raw["schema"])
        return logical_schema(
            self.open_table(name, version).to_pyarrow_dataset().schema.empty_table()
        )

    def resolve(
        self,
        name: str,
        *,
        version: int | None = None,
        tag: str | None = None,
        as_of: datetime | str | None = None,
    ) -> int:
        """The version number a read selects: explicit, by tag, as of a time, or the latest."""
        if sum(x is not None for x in (version, tag, as_of)) > 1:
            raise InvalidWrite("give at most one of version, tag, as_of")
        recs = self._records(name)
        if tag is not None:
            record = self.refs.tags(name).get(check_tag(tag))
            if record is None:
                known = sorted(self.refs.tags(name)) or "none"
                raise TagNotFound(f"dataset '{name}' has no tag '{tag}' (tags: {known})")
            version = int(record["version"])
        elif as_of is not None:
            when = _utc(as_of)
            before = [info.version for info, _ in recs if info.timestamp <= when]
            if not before:
                raise VersionNotFound(
                    f"dataset '{name}' has no version as of {when.isoformat()} "
                    f"(first commit {recs[0][0].timestamp.isoformat()})"
                )
            version = before[-1]
        elif version is None:
            version = recs[-1][0].version
        self.version_record(name, version)  # raises VersionNotFound
        if version in self.refs.expired(name):
            raise VersionNotFound(f"version {version} of dataset '{name}' was garbage-collected")
        return version

    def resolve_ref(self, name: str, ref: int | str) -> int:
        """A version number from an int, a digit string or a tag name."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            return self.resolve(name, version=int(ref))
        return self.resolve(name, tag=ref)

    # -- reads -------------------------------------------------------------------------
    def scan(
        self,
        name: str,
        *,
        version: int | None = None,
        tag: str | None = None,
        as_of: datetime | str | None = None,
        columns: Sequence[str] | None = None,
        filters: Filters = None,
    ) -> pl.LazyFrame:
        """A lazy polars scan of one version; column and row filters are pushed down."""
        v = self.resolve(name, version=version, tag=tag, as_of=as_of)
        lf = pl.scan_delta(self.open_table(name, v))
        schema = lf.collect_schema()
        check_columns(columns, schema.names(), name)
        expr = polars_filter(filters)
        if expr is not None:
            lf = lf.filter(expr)
        if columns is not None:
            lf = lf.select(list(columns))
        casts = logical_casts(self.logical_schema_at(name, v), lf.collect_schema())
        return lf.cast(casts) if casts else lf  # type: ignore[arg-type]

    def read(self, name: str, **kwargs: Any) -> pl.DataFrame:
        """One version as a polars DataFrame (same selectors as :meth:`scan`)."""
        return self.scan(name, **kwargs).collect()

    def relation(
        self,
        name: str,
        *,
        version: int | None = None,
        tag: str | None = None,
        as_of: datetime | str | None = None,
        columns: Sequence[str] | None = None,
        filters: Filters = None,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> duckdb.DuckDBPyRelation:
        """One version as a DuckDB relation over the Arrow dataset (filters pushed down)."""
        import duckdb

        v = self.resolve(name, version=version, tag=tag, as_of=as_of)
        dt = self.open_table(name, v)
        # string_view columns: DuckDB pushes string filters down as string_view scalars
        schema = pa.schema(
            [
                pa.field(f.name, pa.string_view() if pa.types.is_string(f.type) else f.type)
                for f in dt.to_pyarrow_dataset().schema
            ]
        )
        data = dt.to_pyarrow_dataset(schema=schema)
        check_columns(columns, data.schema.names, name)
        rel = (con or duckdb.connect()).from_arrow(data)
        expr = duckdb_filter(filters)
        if expr is not None:
            rel = rel.filter(expr)
        if columns is not None:
            rel = rel.select(*[duckdb.ColumnExpression(c) for c in columns])
        return rel


def _utc(value: datetime | str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidWrite(f"cannot read time {value!r}: use ISO 8601") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
