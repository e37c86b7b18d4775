"""``make demo``: materialise every asset on the shipped samples, in order, and summarise.

Runs go through the persistent Dagster instance in ``DAGSTER_HOME``, so they appear in the
Dagster UI afterwards (each tagged ``quant/demo=<step>``). Each step is a job from the
definitions; partitioned jobs run once per partition. A progress bar on stderr counts the
runs. Safe to re-run: every asset writes idempotently.

Why not one Dagster *backfill* per partitioned step: a backfill is a record the daemon
executes (its backfill loop submits the partition runs through the run queue and launcher to
a code server); Dagster has no public API that runs a backfill in the calling process, and
``dg launch --partition-range`` makes one in-process run over a range, which needs
``BackfillPolicy.single_run()`` and would fold every symbol into one materialisation's
metadata. So the demo stays in-process and runs the partitions itself; from ``make ui``
(daemon on), "Materialize all" on a partitioned asset launches a real backfill.
"""

from __future__ import annotations

import os
import sys
import time

import dagster as dg
import polars as pl
from tqdm import tqdm

from assets import dagster_home
from assets.definitions import defs
from assets.live.resource import LiveResource

# (job name, human description). Later capabilities append their step here.
STEPS: list[tuple[str, str]] = [
    ("samples_job", "catalogue the shipped sample files"),
    ("bars_job", "ingest the shipped daily bars into bars_1d (one run per symbol)"),
    ("bars_intraday_job", "ingest IDX2006 5-minute bars, resample them to 1h"),
    # after the bars step (bars_1d): features need the daily bars
    ("features_job", "daily features per symbol from bars_1d"),
    ("backtests_job", "backtest every strategy on every daily symbol's bars_1d"),
    ("optimization_job", "grid-search sma_crossover on SPX daily bars (12 candidates)"),
    # after bars_job: pair hedge ratio, spread AR(1), pairs backtest, Sharpe posterior, anomalies
    ("models_job", "fit the pair models, backtest pairs_spread, Sharpe posterior, anomalies"),
    # after bars_job: the live job trades ORCL's first LIVE_BARS bars into the ledger
    (
        "live_job",
        "replay ORCL's first 120 daily bars through the live job (sma 3/8) into the ledger",
    ),
    # keep last: pins every dataset the steps above wrote, as one snapshot
    ("snapshot", "snapshot every dataset's latest version"),
]


# Dagster's console logger defaults to DEBUG; the demo's terminal shows the progress bar,
# one line per step and warnings; every run's full log (INFO, quant's lines) is in the UI.
_QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


#: The live step: symbol, strategy parameters (short windows, so orders come early), bars.
LIVE_SYMBOL, LIVE_PARAMS, LIVE_BARS = "ORCL", {"fast": "3", "slow": "8"}, 120


def _live_config() -> dict:
    """Run config of the live step: trade up to LIVE_SYMBOL's LIVE_BARS-th bar of bars_1d.

    The job trades every stored bar after the ledger's last one, so a re-run of the demo
    trades nothing twice; ``make live`` then carries on from that bar.
    """
    live = {"symbols": [LIVE_SYMBOL], "params": LIVE_PARAMS}
    spec = LiveResource(**live).spec()
    store = spec.open_store()
    version = store.latest_version(spec.dataset)
    bars = store.read(spec.dataset, version=version).filter(pl.col("symbol") == LIVE_SYMBOL)
    bar_ts = bars.get_column("ts").cast(pl.Int64).sort()[LIVE_BARS - 1]
    return {
        "ops": {"live_bar": {"config": {"bar_ts": int(bar_ts), "version": version}}},
        "resources": {"live": {"config": live}},
    }


def _instance() -> dg.DagsterInstance:
    os.environ["DAGSTER_HOME"] = str(dagster_home.ensure())
    return dg.DagsterInstance.get()


def _keys(job: dg.JobDefinition, instance: dg.DagsterInstance) -> list[str | None]:
    parts = job.partitions_def
    return parts.get_partition_keys(dynamic_partitions_store=instance) if parts else [None]


def _run(
    job: dg.JobDefinition, key: str | None, step: str, instance: dg.DagsterInstance
) -> list[dict]:
    result = job.execute_in_process(
        instance=instance,
        partition_key=key,
        raise_on_error=False,
        run_config=_QUIET | (_live_config() if job.name == "live_job" else {}),
        tags={"quant/demo": step},
    )
    if not result.success:
        raise SystemExit(f"demo: job {job.name} failed (partition {key}); see the Dagster UI")
    out = []
    for ev in result.get_asset_materialization_events():
        mat = ev.step_materialization_data.materialization
        out.append({"asset": mat.asset_key.to_user_string(), "partition": mat.partition})
    return out


def main() -> int:
    """Run every demo step; print what was built, where, and how long it took."""
    instance = _instance()
    t_all = time.perf_counter()
    plan = [(name, what, defs.resolve_job_def(name)) for name, what in STEPS]
    runs = {name: _keys(job, instance) for name, _, job in plan}
    with tqdm(total=sum(map(len, runs.values())), unit=" runs", disable=None) as bar:
        for name, what, job in plan:
            t0 = time.perf_counter()
            mats = []
            for key in runs[name]:
                bar.set_description(f"{name}" + (f" [{key}]" if key else ""))
                mats += _run(job, key, name, instance)
                bar.update()
            assets = sorted({m["asset"] for m in mats})
            built = f"{len(mats)} materialisations ({', '.join(assets)})" if mats else "done"
            bar.write(f"[{time.perf_counter() - t0:6.1f}s] {name}: {what} -> {built}")
    lake = os.environ.get("QUANT_LAKE", "data/lake")
    print(f"demo finished in {time.perf_counter() - t_all:.1f}s; lake={lake}")
    print(f"Dagster runs recorded in DAGSTER_HOME={os.environ['DAGSTER_HOME']}")
    print("browse the runs with `make ui` (http://127.0.0.1:3000)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
