"""Bars: daily bars per symbol, IDX2006 5-minute bars, hourly bars resampled from them."""

import dagster as dg

from assets.bars.checks import lineage_freshness_check, rule_checks, source_freshness_check
from assets.bars.daily import DAILY_FILES, bars_1d
from assets.bars.intraday import INTRADAY, bars_1h, bars_5m
from assets.store import store_resource

checks = [
    *rule_checks(bars_1d, "bars_1d", partitioned=True),
    source_freshness_check(
        bars_1d, "bars_1d", lambda key: (DAILY_FILES[key].path, DAILY_FILES[key].symbol)
    ),
    *rule_checks(bars_5m, "bars_5m"),
    source_freshness_check(bars_5m, "bars_5m", lambda _: (INTRADAY.path, INTRADAY.symbol)),
    *rule_checks(bars_1h, "bars_1h"),
    lineage_freshness_check(bars_1h, "bars_1h", "bars_5m"),
]

bars_job = dg.define_asset_job(
    "bars_job",
    selection=[bars_1d],
    description="Ingest the shipped daily bars into bars_1d (one partition per symbol).",
)
bars_intraday_job = dg.define_asset_job(
    "bars_intraday_job",
    selection=[bars_5m, bars_1h],
    description="Ingest the IDX2006 5-minute bars into bars_5m and resample them to bars_1h.",
)

defs = dg.Definitions(
    assets=[bars_1d, bars_5m, bars_1h],
    asset_checks=checks,
    jobs=[bars_job, bars_intraday_job],
    resources={"store": store_resource},
)
