"""``bars_5m`` (the shipped IDX2006 5-minute file) and ``bars_1h`` resampled from it."""

import dagster as dg

from assets.bars.common import ingest_result
from assets.store import StoreResource, store_result
from quant.data import samples
from quant.data.resample import resample

INTRADAY = next(s for s in samples.SAMPLES if s.timeframe == "5m")


@dg.asset(
    group_name="ingest",
    kinds={"deltalake", "polars"},
    description="IDX2006 5-minute bars (dataset bars_5m); clock times taken as UTC.",
)
def bars_5m(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    """Ingest the shipped 5-minute file (a no-op when already complete)."""
    return ingest_result(
        context, store.get(context.run.run_id), INTRADAY.path, "bars_5m", INTRADAY.symbol
    )


@dg.asset(
    group_name="ingest",
    kinds={"deltalake", "polars"},
    deps=[bars_5m],
    description="Hourly bars resampled from bars_5m (left-closed, left-labelled UTC buckets).",
)
def bars_1h(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    """Resample the current bars_5m version to 1h; rewritten only when bars_5m changed."""
    lake = store.get(context.run.run_id)
    upstream = lake.version_info("bars_5m").version
    if lake.exists("bars_1h") and lake.version_info("bars_1h").lineage == {"bars_5m": upstream}:
        context.log.info(f"bars_1h already built from bars_5m v{upstream}; nothing to do")
        return store_result(lake.version_info("bars_1h"), lake=lake, rows_written=0)
    hourly = resample(lake.scan("bars_5m", version=upstream), "1h")
    info = lake.overwrite(
        "bars_1h",
        hourly,
        message=f"resample bars_5m v{upstream} to 1h",
        lineage={"bars_5m": upstream},
        skip_unchanged=True,  # the same hourly bars again: no new version
    )
    context.log.info(f"bars_1h v{info.version}: {hourly.height} hourly bars")
    return store_result(
        info,
        lake=lake,
        rows_written=hourly.height,
        first_ts=str(hourly["ts"].min()),
        last_ts=str(hourly["ts"].max()),
    )
