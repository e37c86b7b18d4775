"""Real threads and spawned processes writing one dataset while readers loop."""

import multiprocessing as mp
import queue
import threading

import polars as pl
import pytest

from quant.data.store import DatasetStore
from tests.data.store import workers

pytestmark = pytest.mark.slow


def _reader_loop(lake, name, stop, seen, errors):
    store = DatasetStore(lake, lock_timeout_s=5)
    while not stop.is_set():
        try:
            df = store.read(name)
            sizes = df.group_by("writer", "seq").len()["len"]
            assert (sizes == workers.ROWS_PER_WRITE).all(), "a write is partly visible"
            seen.append(df.height)
        except AssertionError as err:
            errors.append(err)
        except Exception as err:  # any read error fails the test
            errors.append(err)


def test_threads_and_processes_write_concurrently_without_loss_or_gaps(tmp_path):
    lake, name = str(tmp_path / "lake"), "events"
    store = DatasetStore(lake, lock_timeout_s=120)
    store.append(name, workers.frame("seed", 0))
    ctx = mp.get_context("spawn")
    acks = ctx.Queue()
    thread_acks: queue.Queue = queue.Queue()
    procs = [
        ctx.Process(target=workers.append_many, args=(lake, name, f"proc{i}", 4, acks))
        for i in range(2)
    ]
    threads = [
        threading.Thread(
            target=workers.append_many, args=(lake, name, f"thread{i}", 4, thread_acks)
        )
        for i in range(3)
    ]
    stop, seen, errors = threading.Event(), [], []
    readers = [
        threading.Thread(target=_reader_loop, args=(lake, name, stop, seen, errors))
        for _ in range(2)
    ]

    for t in [*procs, *threads, *readers]:
        t.start()
    for t in [*threads, *procs]:
        t.join(timeout=240)
    stop.set()
    for r in readers:
        r.join(timeout=30)

    acked = [acks.get(timeout=5) for _ in range(8)] + [thread_acks.get_nowait() for _ in range(12)]
    assert all(p.exitcode == 0 for p in procs)
    assert not errors, errors[:3]
    assert len(seen) > 0
    df = store.read(name)
    counts = df.group_by("writer", "seq").len()
    assert counts.height == 21 and (counts["len"] == workers.ROWS_PER_WRITE).all()
    written = {(w, s) for w, s, _ in acked} | {("seed", 0)}
    assert set(counts.select("writer", "seq").iter_rows()) == written
    versions = [v.version for v in store.versions(name)]
    assert versions == list(range(21))
    assert sorted(v for _, _, v in acked) == list(range(1, 21))
    assert {v.message for v in store.versions(name)[1:]} == {f"{w}-{s}" for w, s, _ in acked}
    assert store.verify(name)["ok"]
    metrics = store.lock_metrics(name)[0]
    assert metrics["acquisitions"] == 21 and metrics["contended"] > 0


def test_readers_never_wait_for_a_held_writer_lock(tmp_path):
    store = DatasetStore(tmp_path / "lake", lock_timeout_s=5)
    store.append("events", workers.frame("a", 0))

    with store.lock("events").hold("append"):
        df = store.read("events")
        rel = store.relation("events").aggregate("count(*)").fetchall()

    assert df.height == workers.ROWS_PER_WRITE and rel == [(workers.ROWS_PER_WRITE,)]
    assert isinstance(df, pl.DataFrame)
