"""Process bodies for the object-storage tests (spawned, so importable by name)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from quant.data.store import DatasetStore


def rows(writer: str, i: int) -> pl.DataFrame:
    """Two bar-like rows unique to (writer, i)."""
    ts = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i)
    return pl.DataFrame(
        {"symbol": [f"{writer}A", f"{writer}B"], "ts": [ts, ts], "close": [float(i), -float(i)]}
    )


def append_many(
    root: str, meta_dir: str, options: dict[str, str], name: str, writer: str, n: int, go: Any
) -> None:
    """Append ``n`` two-row batches as one 'machine' (its own local meta_dir, so no lock is
    shared with the other writer: only the Delta commit protocol on S3 orders them); all
    writers start together at the barrier ``go``."""
    store = DatasetStore(root, meta_dir=meta_dir, storage_options=options, lock_timeout_s=30)
    store.version_info(name)  # warm up (imports, first listing) before the race
    go.wait(60)
    for i in range(n):
        store.append(name, rows(writer, i), message=f"{writer} {i}")
