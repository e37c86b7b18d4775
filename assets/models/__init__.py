"""Models as Dagster assets (group ``models``): pair hedge ratio, spread AR(1), the pairs
backtest, its Sharpe posterior, bar anomaly flags; drift checks and the retrain sensor."""

import dagster as dg

from assets.models.analysis import bar_anomalies, sharpe_posterior
from assets.models.drift import drift_checks, model_drift_sensor, retrain_models_job
from assets.models.pairs import backtest_pairs_spread, pairs_1d, spread_ar
from assets.store import store_resource

models_assets = [pairs_1d, spread_ar, backtest_pairs_spread, sharpe_posterior, bar_anomalies]
models_job = dg.define_asset_job(
    "models_job",
    selection=models_assets,
    description="Fit the pair models, backtest pairs_spread, its Sharpe posterior, anomalies.",
)

defs = dg.Definitions(
    assets=models_assets,
    asset_checks=drift_checks,
    jobs=[models_job, retrain_models_job],
    sensors=[model_drift_sensor],
    resources={"store": store_resource},
)
