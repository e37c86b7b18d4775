"""``bars_1d``: the shipped daily bars, one partition per symbol, ingested into the store."""

import dagster as dg

from assets.bars.common import ingest_result
from assets.partitions import symbol_partitions
from assets.store import StoreResource
from quant.data import samples

DAILY_FILES = {s.symbol: s for s in samples.SAMPLES if s.timeframe == "1d"}


@dg.asset(
    group_name="ingest",
    kinds={"deltalake", "polars"},
    partitions_def=symbol_partitions,
    description="Daily bars of every symbol (dataset bars_1d), from the shipped sample files.",
)
def bars_1d(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    """Ingest the partition symbol's shipped daily file (a no-op when already complete)."""
    sample = DAILY_FILES[context.partition_key]
    return ingest_result(
        context, store.get(context.run.run_id), sample.path, "bars_1d", sample.symbol
    )
