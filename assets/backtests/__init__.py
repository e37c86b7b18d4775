"""Backtests as Dagster assets: one asset per strategy, partitioned by symbol, + a job;
the parameter optimisation asset ``optimizations`` and its job."""

import dagster as dg

from assets.backtests.backtest import backtest_assets
from assets.backtests.optimize import optimizations
from assets.store import store_resource

backtests_job = dg.define_asset_job("backtests_job", selection=backtest_assets)
optimization_job = dg.define_asset_job("optimization_job", selection=[optimizations])

defs = dg.Definitions(
    assets=[*backtest_assets, optimizations],
    jobs=[backtests_job, optimization_job],
    resources={"store": store_resource},
)
