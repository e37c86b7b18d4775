"""Features as Dagster assets: ``features_1d`` per symbol from the ``bars_1d`` dataset."""

import dagster as dg

from assets.partitions import symbol_partitions
from assets.store import StoreResource, store_resource, store_result
from quant.features import DAILY_SPECS, build_features


@dg.asset(
    partitions_def=symbol_partitions,
    deps=[dg.AssetKey("bars_1d")],
    group_name="features",
    kinds={"numba", "delta"},
    description="Daily features (quant.features.DAILY_SPECS) of one symbol, from bars_1d.",
)
def features_1d(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    """Compute the symbol's daily features from the latest bars_1d version; upsert them."""
    symbol = context.partition_key
    info = build_features(store.get(context.run.run_id), symbol, specs=DAILY_SPECS)
    context.log.info(f"features_1d v{info.version} for {symbol} from {info.lineage}")
    return store_result(info, symbol=symbol, features=sum(len(s.outputs) for s in DAILY_SPECS))


features_job = dg.define_asset_job("features_job", selection=[features_1d])

defs = dg.Definitions(
    assets=[features_1d], jobs=[features_job], resources={"store": store_resource}
)
