"""A Dagster backtest run in a fresh process, with an empty and with a warm numba cache.

``dagster job execute -m assets.definitions -j backtests_job -o backtest_sma_crossover`` with
the partition tag ORCL, on the shipped ORCL daily bars (ingested into a temporary lake),
recorded in a temporary ``DAGSTER_HOME``. ``backtests_job`` runs its step in the run's own
process (``in_process_executor``); ``dagster asset materialize`` would use the implicit asset
job's multiprocess executor, whose step subprocess loads every module again. Prints, medians
of 3: the whole process (loading the definitions, then the run), the run's wall time from its
run record (start to end) and the asset step's duration from the event log (the backtest, the
``backtests`` write, the PNG and the HTML figure). Run with ``make bench``; asserts only that
the runs succeeded and wrote one ``backtests`` version.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg

from assets import dagster_home
from quant.data import ingest
from quant.data.store import DatasetStore
from tests.bench.first_call import ROOT, env

REPEAT = 3
ASSET, SYMBOL = "backtest_sma_crossover", "ORCL"


def materialize(home: Path, cache: str, lake: str) -> float:
    """Wall seconds of one ``dagster job execute`` process (one asset, one partition)."""
    dagster = str(Path(sys.executable).with_name("dagster"))
    cmd = [dagster, "job", "execute", "-m", "assets.definitions", "-j", "backtests_job",
           "-o", ASSET, "--tags", json.dumps({"dagster/partition": SYMBOL})]  # fmt: skip
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env(DAGSTER_HOME=str(home), NUMBA_CACHE_DIR=cache, QUANT_LAKE=lake),
                   cwd=ROOT, capture_output=True, timeout=900, check=True)  # fmt: skip
    return time.perf_counter() - t0


def last_run(home: Path) -> dict[str, float]:
    """The newest run's record: wall (start to end) and the asset step's duration, seconds."""
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        [record] = instance.get_run_records(limit=1)
        run = record.dagster_run
        assert run.status == dg.DagsterRunStatus.SUCCESS, run.status
        [step] = [e.dagster_event for e in instance.all_logs(run.run_id,
                  of_type=dg.DagsterEventType.STEP_SUCCESS)]  # fmt: skip
        return {"run": record.end_time - record.start_time,
                "step": step.event_specific_data.duration_ms / 1000}  # fmt: skip
    finally:
        instance.dispose()


def test_dagster_backtest_run_in_a_fresh_process_cold_and_warm_cache(tmp_path):
    lake = str(tmp_path / "lake")
    sample = ROOT / "data" / "samples" / "orcl-1995-2014.txt"
    ingest.ingest(DatasetStore(lake), sample.as_posix(), "bars_1d", symbol=SYMBOL)
    home = dagster_home.ensure(tmp_path / "dagster_home")
    rows: dict[str, list[dict[str, float]]] = {"empty cache": [], "warm cache": []}
    with tempfile.TemporaryDirectory() as warm_cache:
        for _ in range(REPEAT):
            with tempfile.TemporaryDirectory() as cache:
                wall = materialize(home, cache, lake)
            rows["empty cache"].append({"process": wall} | last_run(home))
        materialize(home, warm_cache, lake)  # fills the warm cache
        for _ in range(REPEAT):
            wall = materialize(home, warm_cache, lake)
            rows["warm cache"].append({"process": wall} | last_run(home))
    parts = ("process", "run", "step")
    print(f"\nDagster run of {ASSET} [{SYMBOL}] in a fresh process, seconds, medians of {REPEAT} "
          f"(load average {os.getloadavg()[0]:.2f}); run = run record start to end, step = "
          f"the asset's step")  # fmt: skip
    print(f"{'cache':12s}" + "".join(f"{k:>10s}" for k in parts))
    for name, runs in rows.items():
        print(f"{name:12s}" + "".join(f"{statistics.median(r[k] for r in runs):10.2f}"
                                      for k in parts))  # fmt: skip
    assert len(DatasetStore(lake).versions("backtests")) == 1  # re-runs wrote nothing new
