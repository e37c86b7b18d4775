"""Features as Dagster assets: ``features_1d`` per symbol from the ``bars_1d`` dataset."""

import dagster as dg
import polars as pl

from assets.partitions import symbol_partitions
from assets.store import StoreResource, store_resource, store_result
from quant.features import DAILY_SPECS, build_features


@dg.asset(
    partitions_def=symbol_partitions,
    deps=[dg.AssetKey("bars_1d")],
    group_name="features",
    kinds={"numba", "polars", "deltalake"},
    description="Daily features (quant.features.DAILY_SPECS) of one symbol, from bars_1d.",
    # a symbol's features follow its bars: under `make ui` (daemon) the sensor below
    # materialises features_1d of every symbol whose bars_1d partition changed
    automation_condition=dg.AutomationCondition.eager(),
)
def features_1d(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    """Compute the symbol's daily features from the latest bars_1d version; upsert them."""
    symbol = context.partition_key
    lake = store.get(context.run.run_id)
    info = build_features(lake, symbol, specs=DAILY_SPECS)
    context.log.info(f"features_1d v{info.version} for {symbol} from {info.lineage}")
    rows = lake.scan(info.name, version=info.version, filters=[("symbol", "=", symbol)])
    return store_result(
        info,
        lake=lake,
        row_count=rows.select(pl.len()).collect().item(),
        symbol=symbol,
        features=sum(len(s.outputs) for s in DAILY_SPECS),
    )


features_job = dg.define_asset_job(
    "features_job",
    selection=[features_1d],
    description="Daily features of every symbol (one run per partition) from bars_1d.",
)

#: Runs under the daemon (`make ui`); Dagster's own default automation sensor starts stopped.
features_automation_sensor = dg.AutomationConditionSensorDefinition(
    "features_automation_sensor",
    target=[features_1d],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Materialises a symbol's features_1d once its bars_1d partition changed.",
)

defs = dg.Definitions(
    assets=[features_1d],
    jobs=[features_job],
    sensors=[features_automation_sensor],
    resources={"store": store_resource},
)
