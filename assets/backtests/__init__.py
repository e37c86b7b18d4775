"""Backtests as Dagster assets: one asset per strategy, partitioned by symbol, + a job;
the parameter optimisation asset ``optimizations`` and its job."""

import dagster as dg

from assets.backtests.backtest import backtest_assets
from assets.backtests.optimize import optimizations
from assets.store import store_resource

backtests_job = dg.define_asset_job(
    "backtests_job",
    selection=backtest_assets,
    description="Backtest every bar-based strategy on one symbol's bars_1d (per partition).",
    executor_def=dg.in_process_executor,  # no step process: it would load everything again
)
optimization_job = dg.define_asset_job(
    "optimization_job",
    selection=[optimizations],
    description="Parameter search of a strategy (run config: grid, genetic, walk-forward).",
)

defs = dg.Definitions(
    assets=[*backtest_assets, optimizations],
    jobs=[backtests_job, optimization_job],
    resources={"store": store_resource},
)
