"""gc decides protection under the dataset's writer lock (which tag and snapshot take too)
and keeps versions superseded less than the grace period ago."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time

import pytest

from quant.config import load_settings
from quant.data.store import DatasetStore, VersionNotFound
from tests.data.store import workers
from tests.data.store.conftest import bars


def _versions(store: DatasetStore, n: int) -> None:
    for i in range(n):
        store.overwrite("bars_1d", bars("NVDA", 3, price=100.0 + i))


def test_a_tag_made_while_gc_waits_for_the_lock_is_never_vacuumed(store, monkeypatch):
    monkeypatch.setenv("QUANT_GC_GRACE_S", "0")
    _versions(store, 4)
    lake = str(store.root)
    holding, release = threading.Event(), threading.Event()

    def hold_lock() -> None:  # a long write holds the dataset's writer lock
        with DatasetStore(lake).lock("bars_1d").hold("append"):
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert holding.wait(30)
    reports: list = []
    gc = threading.Thread(
        target=lambda: reports.extend(DatasetStore(lake, lock_timeout_s=120).gc(keep_last=1))
    )
    gc.start()
    time.sleep(1.0)  # gc has looked at the lake and now waits for the lock
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    tagger = ctx.Process(target=workers.tag_version, args=(lake, "bars_1d", "keep", 0, out))
    tagger.start()
    tagger.join(20)  # a tagger that does not wait for the lock is done by now
    release.set()
    holder.join(60)
    gc.join(120)
    tagger.join(120)
    result = out.get(timeout=10)

    assert reports and tagger.exitcode == 0
    if result[0] == "ok":  # the tag went first: gc must have kept version 0
        assert 0 not in reports[0]["expired_versions"]
        assert store.read("bars_1d", tag="keep")["close"].min() == 100.0
    else:  # gc went first: the tag is refused, never left pointing at nothing
        assert result[1] == "VersionNotFound" and "garbage-collected" in result[2]
        assert "keep" not in store.refs.tags("bars_1d")


def test_gc_keeps_versions_superseded_less_than_the_grace_period_ago(store):
    store.overwrite("bars_1d", bars("NVDA", 3, price=100.0))
    store.overwrite("bars_1d", bars("NVDA", 3, price=101.0))
    time.sleep(1.5)
    store.overwrite("bars_1d", bars("NVDA", 3, price=102.0))  # v1 superseded just now
    store.overwrite("bars_1d", bars("NVDA", 3, price=103.0))

    report = store.gc(keep_last=1, grace_s=1.0)[0]

    assert report["expired_versions"] == [0]  # superseded 1.5 s ago
    assert store.read("bars_1d", version=1)["close"].min() == 101.0  # a reader may be on it
    with pytest.raises(VersionNotFound, match="garbage-collected"):
        store.read("bars_1d", version=0)


def test_the_grace_period_comes_from_settings_and_defaults_to_an_hour(store, monkeypatch):
    _versions(store, 3)
    assert load_settings().gc_grace_s == 3600.0

    assert store.gc(keep_last=1)[0]["expired_versions"] == []  # all superseded < 1 h ago
    monkeypatch.setenv("QUANT_GC_GRACE_S", "0")
    assert store.gc(keep_last=1)[0]["expired_versions"] == [0, 1]


def test_a_snapshot_taken_while_gc_waits_keeps_its_versions(store, monkeypatch):
    monkeypatch.setenv("QUANT_GC_GRACE_S", "0")
    _versions(store, 3)
    lake = str(store.root)
    holding, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        with DatasetStore(lake).lock("bars_1d").hold("append"):
            holding.set()
            release.wait(60)

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert holding.wait(30)
    reports: list = []
    gc = threading.Thread(
        target=lambda: reports.extend(DatasetStore(lake, lock_timeout_s=120).gc(keep_last=1))
    )
    gc.start()
    time.sleep(1.0)
    snap_error: list = []

    def snapshot() -> None:
        try:
            DatasetStore(lake, lock_timeout_s=120).create_snapshot("s", {"bars_1d": 0})
        except VersionNotFound as err:
            snap_error.append(err)

    snapper = threading.Thread(target=snapshot)
    snapper.start()
    time.sleep(1.0)
    release.set()
    for t in (holder, gc, snapper):
        t.join(120)

    assert reports
    if not snap_error:
        assert 0 not in reports[0]["expired_versions"]
        assert store.read_snapshot("s")["bars_1d"]["close"].min() == 100.0
    else:
        assert store.refs.snapshot("s") is None
