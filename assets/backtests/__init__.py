"""Backtests as Dagster assets: one asset per strategy, partitioned by symbol, + a job."""

import dagster as dg

from assets.backtests.backtest import backtest_assets
from assets.store import store_resource

backtests_job = dg.define_asset_job("backtests_job", selection=backtest_assets)

defs = dg.Definitions(
    assets=backtest_assets, jobs=[backtests_job], resources={"store": store_resource}
)
