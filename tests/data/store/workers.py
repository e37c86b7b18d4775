"""Functions run in spawned worker processes by the concurrency and crash tests."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
from deltalake import write_deltalake

from quant.data.store import DatasetStore

ROWS_PER_WRITE = 50
SCHEMA = pa.schema([("writer", pa.string()), ("seq", pa.int64()), ("x", pa.float64())])


def frame(writer: str, seq: int, rows: int = ROWS_PER_WRITE) -> pl.DataFrame:
    """One write's rows, all tagged (writer, seq) so a reader can tell whole writes apart."""
    return pl.DataFrame(
        {"writer": [writer] * rows, "seq": [seq] * rows, "x": np.arange(rows, dtype=float)}
    )


def append_many(lake: str, name: str, writer: str, count: int, acks) -> None:
    """Append ``count`` writes; put (writer, seq, version) on ``acks`` after each commit."""
    store = DatasetStore(lake, lock_timeout_s=120)
    for seq in range(count):
        info = store.append(name, frame(writer, seq), message=f"{writer}-{seq}")
        acks.put((writer, seq, info.version))


def die_mid_commit(lake: str, name: str, started: str) -> None:
    """Take the writer lock, start streaming a large commit, signal, then hang until killed."""
    store = DatasetStore(lake, lock_timeout_s=30)

    def batches():
        for i in range(1000):
            n = 50_000
            yield pa.record_batch(
                [pa.array(["doomed"] * n), pa.array(np.full(n, i)), pa.array(np.random.rand(n))],
                schema=SCHEMA,
            )
            if i == 12:  # several data files are on disk; the commit is not
                Path(started).write_text("mid-commit")
                time.sleep(120)

    with store.lock(name).hold("append"):
        write_deltalake(
            store.table_uri(name),
            pa.RecordBatchReader.from_batches(SCHEMA, batches()),
            mode="append",
            target_file_size=500_000,
        )


def tag_version(lake: str, name: str, tag: str, version: int, out) -> None:
    """Tag ``version``; put ("ok", version) or ("error", error type, message) on ``out``."""
    store = DatasetStore(lake, lock_timeout_s=120)
    try:
        record = store.tag(name, tag, version=version)
        out.put(("ok", record["version"]))
    except Exception as err:  # reported to the test, which asserts on the type
        out.put(("error", type(err).__name__, str(err)))
