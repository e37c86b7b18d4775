"""Ingest as real processes: SIGKILL mid-run then resume; peak memory under a budget."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from quant.data import ingest as ing
from quant.data.store import DatasetStore
from tests.data.peak_rss import wait_with_peak_rss

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


@pytest.mark.slow
def test_peak_memory_of_a_200mb_ingest_stays_under_the_budget(tmp_path, big_csv):
    budget_mb = 550
    proc = _cli(
        tmp_path / "lake",
        str(big_csv),
        "--dataset",
        "bars_1m",
        "--max-memory-mb",
        str(budget_mb),
        "--json",
    )
    peak, _, err = wait_with_peak_rss(proc)
    assert proc.returncode == 0, err.decode()[-2000:]
    store = DatasetStore(tmp_path / "lake", lock_timeout_s=30)
    assert store.version_info("bars_1m").rows_total == 3_500_000
    assert big_csv.stat().st_size > 190 * 2**20
    print(f"peak RSS {peak / 2**20:.0f} MiB for a {big_csv.stat().st_size / 2**20:.0f} MiB file")
    assert peak < budget_mb * 2**20
