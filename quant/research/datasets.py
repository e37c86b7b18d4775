"""The active lake of a research session and its datasets: load, versions, diff, rollback, tags.

``lake(path)`` picks the lake every other call reads (default: ``QUANT_LAKE`` / ``quant.toml``,
a relative path resolved against the working directory if it exists there, else against the
project root, so a notebook in ``notebooks/`` finds ``data/lake``). ``sample_lake()`` builds a
fresh lake in a temporary folder from the daily bars shipped in ``data/samples`` and makes it
active: the first cell of every notebook, which never touches the user's lake.
Every call is a thin layer over :class:`quant.data.store.DatasetStore`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from quant.backtest.bars import load_bars
from quant.data.store import DatasetStore, VersionInfo
from quant.data.store.metadata import VERSION_COLUMNS
from quant.research.tables import frame_html

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: Daily samples ``sample_lake`` ingests by default (all shipped daily files).
SAMPLE_SYMBOLS = ("IDX2006", "NDX", "NVDA", "ORCL", "SPX", "YHOO")

_active: Lake | None = None


class Lake:
    """A lake folder and its store; shows its datasets as a table in Jupyter."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.store = DatasetStore(self.path)

    def __repr__(self) -> str:
        return f"Lake({str(self.path)!r})"

    def datasets(self) -> pl.DataFrame:
        """One row per dataset: latest version, rows, last operation and commit time."""
        rows = []
        for name in self.store.list():
            v = self.store.version_info(name)
            rows.append(
                {
                    "dataset": name,
                    "version": v.version,
                    "rows": v.rows_total,
                    "operation": v.operation,
                    "committed": v.timestamp,
                }
            )
        schema = {
            "dataset": pl.String,
            "version": pl.Int64,
            "rows": pl.Int64,
            "operation": pl.String,
            "committed": pl.Datetime("us", "UTC"),
        }
        return pl.DataFrame(rows, schema=schema)

    def _repr_html_(self) -> str:
        return frame_html(self.datasets(), f"lake {self.path}")


def _default_path() -> Path:
    from quant.config import load_settings

    path = Path(load_settings().lake)
    if path.is_absolute() or path.exists():
        return path
    return PROJECT_ROOT / path


def lake(path: str | Path | None = None) -> Lake:
    """The active lake; with ``path``, make that lake active first."""
    global _active
    if path is not None:
        _active = Lake(path)
    elif _active is None:
        _active = Lake(_default_path())
    return _active


def sample_lake(path: str | Path | None = None, symbols: Iterable[str] = SAMPLE_SYMBOLS) -> Lake:
    """A new lake (in a temporary folder unless ``path``) holding the shipped daily bars of
    ``symbols`` in ``bars_1d``; it becomes the active lake."""
    from quant.data import samples
    from quant.data.ingest import ingest

    root = Path(path) if path is not None else Path(tempfile.mkdtemp(prefix="quant-lake-"))
    store = DatasetStore(root)
    by_symbol = {s.symbol: s for s in samples.SAMPLES if s.timeframe == "1d"}
    for sym in symbols:
        ingest(store, by_symbol[sym].path, "bars_1d", symbol=sym)
    return lake(root)


def store() -> DatasetStore:
    """The active lake's DatasetStore (for what this module does not wrap)."""
    return lake().store


def load(
    dataset: str,
    symbols: str | Sequence[str] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    version: int | None = None,
    tag: str | None = None,
) -> pl.DataFrame:
    """Rows of one dataset version (latest unless ``version``/``tag``), for ``symbols`` (None =
    all) between ``start`` and ``end`` (inclusive dates, ``YYYY-MM-DD`` or ``date``)."""
    return load_pinned(dataset, symbols, start, end, version, tag)[0]


def load_pinned(
    dataset: str,
    symbols: str | Sequence[str] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    version: int | None = None,
    tag: str | None = None,
) -> tuple[pl.DataFrame, int]:
    """As :func:`load`, plus the version number read."""
    syms = [symbols] if isinstance(symbols, str) else (sorted(set(symbols)) if symbols else None)
    return load_bars(store(), dataset, syms, _day(start), _day(end), version=version, tag=tag)


def _day(value: str | date | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _info_rows(infos: Iterable[VersionInfo]) -> pl.DataFrame:
    cols = (*VERSION_COLUMNS, "code_version")
    rows = [{k: getattr(i, k) for k in cols} | {"lineage": str(i.lineage or "")} for i in infos]
    return pl.DataFrame(rows)


def versions(dataset: str) -> pl.DataFrame:
    """The dataset's history, one row per version (oldest first), with lineage."""
    return _info_rows(store().versions(dataset))


def version(dataset: str, ref: int | str | None = None) -> VersionInfo:
    """One version's metadata (latest if None; a number or a tag)."""
    s = store()
    return s.version_info(dataset, None if ref is None else s.resolve_ref(dataset, ref))


def diff(dataset: str, a: int | str, b: int | str) -> dict[str, Any]:
    """How version/tag ``b`` of a dataset differs from ``a`` (rows added, removed, changed)."""
    return store().diff(dataset, a, b)


def rollback(dataset: str, to: int | str, reason: str) -> VersionInfo:
    """Restore version/tag ``to`` as a new version (history kept: a rollback can be undone)."""
    return store().rollback(dataset, to, reason=reason)


def tag(dataset: str, name: str, version: int | None = None, message: str = "") -> dict[str, Any]:
    """Name a version of a dataset (latest if None)."""
    return store().tag(dataset, name, version=version, message=message)


def tags(dataset: str) -> pl.DataFrame:
    """Every tag of a dataset."""
    return pl.DataFrame(store().tags(dataset))


def snapshot(name: str, datasets: Iterable[str] | dict[str, Any], message: str = "") -> dict:
    """Record a named, immutable set of dataset versions (``name`` or ``name@VERSION``)."""
    return store().create_snapshot(name, datasets, message=message)


def snapshots() -> pl.DataFrame:
    """Every snapshot: name, creation time and the dataset versions it pins."""
    rows = [
        {
            "name": s["name"],
            "created": s["created"],
            "message": s["message"],
            "datasets": str(s["datasets"]),
        }
        for s in store().snapshots()
    ]
    return pl.DataFrame(rows)


def lineage(dataset: str, ref: int | str | None = None) -> pl.DataFrame:
    """The version's lineage as a tree, one row per (dataset, version) it was built from,
    walking upstream to the raw datasets (depth 0 = the version itself)."""
    s = store()
    start = version(dataset, ref)
    rows, todo, seen = [], [(start.name, start.version, 0)], set()
    while todo:
        name, v, depth = todo.pop(0)
        if (name, v) in seen:
            continue
        seen.add((name, v))
        info = s.version_info(name, v)
        rows.append(
            {
                "depth": depth,
                "dataset": name,
                "version": v,
                "operation": info.operation,
                "checksum": info.checksum,
                "code_version": info.code_version,
            }
        )
        todo += [(up, int(uv), depth + 1) for up, uv in sorted(info.lineage.items())]
    return pl.DataFrame(rows)
