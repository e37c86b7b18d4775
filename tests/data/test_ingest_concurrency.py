"""Ingest as one critical section: parallel `quant data ingest` processes and a rollback
during an ingest never duplicate or silently lose rows."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl
import psutil
import pytest

from quant.data import ingest as ing
from quant.data.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
T0 = np.datetime64("2020-01-01T00:00:00", "ns")


def _minutes(path: Path, start: int, stop: int, price: float) -> Path:
    """Canonical CSV of 1-minute AAA bars at minutes [start, stop) with prices near ``price``."""
    idx = np.arange(start, stop)
    close = price + (idx % 7) * 0.01
    pl.DataFrame(
        {
            "symbol": "AAA",
            "ts": T0 + idx * np.timedelta64(60, "s"),
            "open": close,
            "high": close + 0.1,
            "low": close - 0.1,
            "close": close,
            "volume": 100.0,
        }
    ).write_csv(path, datetime_format="%Y-%m-%dT%H:%M:%S", float_precision=2)
    return path


def _cli(lake: Path, path: Path, *args: str) -> psutil.Popen:
    quant = Path(sys.executable).parent / "quant"
    cmd = [str(quant), "--lake", str(lake), "data", "ingest", str(path), *args, "--json"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return psutil.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_idle(procs: list[psutil.Popen], timeout_s: float = 120.0) -> None:
    """Wait until every process is past start-up and blocked (CPU idle for a second)."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        used = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
        if last is not None and used - last < 0.05:
            return
        last = used
        time.sleep(1.0)
    raise AssertionError("the ingest processes never blocked on the lock")


def _parallel(lake: Path, runs: list[tuple[Path, tuple[str, ...]]]) -> list[tuple[int, str, str]]:
    """Start every ingest while the test holds the dataset's writer lock, then release it."""
    store = DatasetStore(lake, lock_timeout_s=60)
    with store.lock("bars_1m").hold("test"):
        procs = [_cli(lake, path, *args) for path, args in runs]
        _wait_idle(procs)
    outs = [p.communicate(timeout=120) for p in procs]
    return [(p.returncode, o.decode(), e.decode()) for p, (o, e) in zip(procs, outs, strict=True)]


def _contents(store: DatasetStore) -> tuple[pl.DataFrame, pl.DataFrame]:
    bars = store.read("bars_1m").drop("ingested_at", strict=False).sort("symbol", "ts")
    quarantine = (
        store.read("quarantine")
        .select(pl.col("source").str.extract(r"([^/]+)$"), "line", "reason")
        .sort("source", "line")
        if store.exists("quarantine")
        else pl.DataFrame()
    )
    return bars, quarantine


@pytest.mark.slow
def test_overlapping_files_ingested_in_parallel_equal_one_after_the_other(tmp_path):
    a = _minutes(tmp_path / "a.csv", 0, 3000, 100.0)
    b = _minutes(tmp_path / "b.csv", 1500, 4500, 200.0)  # overlap: minutes 1500-2999 differ
    orders = []
    for first, second in ((a, b), (b, a)):
        ref = DatasetStore(tmp_path / f"ref_{first.stem}", lock_timeout_s=10)
        ing.ingest(ref, first, "bars_1m", chunk_rows=400)
        ing.ingest(ref, second, "bars_1m", chunk_rows=400)
        orders.append(_contents(ref))
    lake = tmp_path / "lake"
    args = ("--dataset", "bars_1m", "--chunk-rows", "400")
    results = _parallel(lake, [(a, args), (b, args)])
    for code, _, err in results:
        assert code == 0, err[-2000:]
    bars, quarantine = _contents(DatasetStore(lake, lock_timeout_s=10))
    assert bars.select("symbol", "ts").is_unique().all()
    assert bars.height in (4500, 3000)  # a then b: 3000 + 1500 new; b then a: 3000
    assert quarantine.filter(pl.col("reason").str.starts_with("duplicate_key")).height == 1500
    assert any(bars.equals(rb) and quarantine.equals(rq) for rb, rq in orders)


@pytest.mark.slow
def test_the_same_file_ingested_twice_in_parallel_is_stored_once(tmp_path):
    a = _minutes(tmp_path / "a.csv", 0, 3000, 100.0)
    lake = tmp_path / "lake"
    args = ("--dataset", "bars_1m", "--chunk-rows", "400")
    results = _parallel(lake, [(a, args), (a, args)])
    reports = []
    for code, out, err in results:
        assert code == 0, err[-2000:]
        [report] = json.loads(out)
        reports.append(report)
    bars, quarantine = _contents(DatasetStore(lake, lock_timeout_s=10))
    assert bars.height == 3000 and bars.select("ts").is_unique().all()
    assert quarantine.is_empty()
    assert sorted(r["rows_written"] for r in reports) == [0, 3000]
    assert sorted(r["already_complete"] for r in reports) == [False, True]


@pytest.mark.slow
def test_a_rollback_during_an_ingest_stops_it_with_a_clear_error_and_a_rerun_completes(tmp_path):
    a = _minutes(tmp_path / "a.csv", 0, 20_000, 100.0)
    ref = DatasetStore(tmp_path / "ref", lock_timeout_s=10)
    ing.ingest(ref, a, "bars_1m", chunk_rows=5000)
    lake = tmp_path / "lake"
    store = DatasetStore(lake, lock_timeout_s=60)
    proc = _cli(lake, a, "--dataset", "bars_1m", "--chunk-rows", "250")  # 80 commits
    deadline = time.monotonic() + 120
    while (
        not (store.exists("bars_1m") and store.latest_version("bars_1m") >= 3)
        and proc.poll() is None
        and time.monotonic() < deadline
    ):
        time.sleep(0.01)
    store.rollback("bars_1m", 1, reason="bad vendor day")  # a priority writer
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err.decode()[-2000:]
    assert "rollback" in err.decode() and "re-run" in err.decode()
    assert store.read("bars_1m").height < 20_000
    [again] = ing.ingest(store, a, "bars_1m", chunk_rows=5000)
    assert not again.already_complete
    bars, quarantine = _contents(store)
    want, _ = _contents(ref)
    assert bars.equals(want)
    assert quarantine.is_empty()
