"""Ingest as real processes: SIGKILL mid-run then resume; peak memory under a budget."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from quant.data import ingest as ing
from quant.data.store import DatasetStore
from tests.data.generate import write_bars_csv
from tests.data.peak_rss import run_with_peak_hwm

ROOT = Path(__file__).resolve().parents[2]


def _cli(lake, *args):
    quant = Path(sys.executable).parent / "quant"
    cmd = [str(quant), "--lake", str(lake), "data", "ingest", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return psutil.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _commits(lake, name):
    log = Path(lake) / name / "_delta_log"
    return len(list(log.glob("*.json"))) if log.is_dir() else 0


@pytest.mark.slow
def test_sigkill_mid_ingest_then_resume_equals_uninterrupted_ingest(tmp_path, medium_csv):
    lake, ref_lake = tmp_path / "lake", tmp_path / "ref"
    reference = DatasetStore(ref_lake, lock_timeout_s=30)
    [want] = ing.ingest(reference, medium_csv, "bars_1m", chunk_rows=50_000)
    proc = _cli(lake, str(medium_csv), "--dataset", "bars_1m", "--chunk-rows", "20000")
    deadline = time.monotonic() + 60
    while _commits(lake, "bars_1m") < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(30) == -signal.SIGKILL
    store = DatasetStore(lake, lock_timeout_s=30)
    partial = store.read("bars_1m").height
    assert 0 < partial < want.rows_written
    [resumed] = ing.ingest(store, medium_csv, "bars_1m", chunk_rows=30_000)
    assert resumed.resumed_after_line > 1
    got_bars = store.read("bars_1m").sort("symbol", "ts")
    assert got_bars.equals(reference.read("bars_1m").sort("symbol", "ts"))
    cols = ["line", "reason", "raw", "symbol", "ts"]
    got_q = store.read("quarantine").select(cols).sort("line")
    assert got_q.equals(reference.read("quarantine").select(cols).sort("line"))
    assert got_q.height == want.rows_quarantined == 400_000 // 997


def _cold(tmp_path: Path, lake: Path, *args: str) -> tuple[int, int, str, str]:
    """`quant data ingest` from a cold start: an empty numba cache of its own."""
    cache = tmp_path / f"numba-{len(list(tmp_path.glob('numba-*')))}"
    cache.mkdir()
    quant = Path(sys.executable).parent / "quant"
    cmd = [str(quant), "--lake", str(lake), "data", "ingest", *args, "--dataset", "bars_1m"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NUMBA_CACHE_DIR": str(cache)}
    return run_with_peak_hwm(cmd, env)


def _minimum_mb(tmp_path: Path, path: Path) -> int:
    """The budget a cold process names as its minimum when offered 1 MiB (nothing written)."""
    lake = tmp_path / "refused"
    _, code, _, err = _cold(tmp_path, lake, str(path), "--max-memory-mb", "1")
    assert code == 2, err[-2000:]
    assert "too small" in err
    assert not DatasetStore(lake, lock_timeout_s=5).list()
    return int(re.search(r"allow at least (\d+) MiB", err).group(1))


@pytest.mark.slow
def test_peak_memory_of_a_200mb_ingest_stays_under_the_budget(tmp_path, big_csv):
    minimum = _minimum_mb(tmp_path, big_csv)
    budget_mb = minimum + 100  # far less than the 200 MB file
    peak, code, out, err = _cold(
        tmp_path, tmp_path / "lake", str(big_csv), "--max-memory-mb", str(budget_mb), "--json"
    )
    assert code == 0, err[-2000:]
    [report] = json.loads(out)
    store = DatasetStore(tmp_path / "lake", lock_timeout_s=30)
    assert store.version_info("bars_1m").rows_total == 3_500_000
    assert big_csv.stat().st_size > 190 * 2**20
    assert report["chunks"] > 10
    print(
        f"cold start: minimum {minimum} MiB; peak RSS {peak / 2**20:.0f} MiB under a "
        f"{budget_mb} MiB budget for a {big_csv.stat().st_size / 2**20:.0f} MiB file"
    )
    assert peak <= budget_mb * 2**20, [line for line in err.splitlines() if "budget" in line]


@pytest.mark.slow
def test_the_minimum_budget_a_cold_process_names_is_enough(tmp_path):
    path = write_bars_csv(tmp_path / "small.csv", 40_000)
    minimum = _minimum_mb(tmp_path, path)
    peak, code, _, err = _cold(
        tmp_path, tmp_path / "lake", str(path), "--max-memory-mb", str(minimum)
    )
    assert code == 0, err[-2000:]
    assert DatasetStore(tmp_path / "lake", lock_timeout_s=30).read("bars_1m").height == 40_000
    print(f"cold start: minimum {minimum} MiB, peak RSS {peak / 2**20:.0f} MiB")
    assert peak <= minimum * 2**20
