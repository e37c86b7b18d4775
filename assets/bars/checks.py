"""Asset checks of the bar datasets: one per validation rule, plus freshness."""

import warnings
from collections.abc import Callable

import dagster as dg

from assets.store import StoreResource
from quant.data import bars, resume

RULES = (*bars.VALUE_RULES, *bars.ORDER_RULES)


def _rule_check(
    asset: dg.AssetsDefinition, dataset: str, rule: str, partitioned: bool
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset,
        name=f"no_{rule}",
        blocking=True,
        partitions_def=asset.partitions_def if partitioned else None,
        description=f"No stored bar of {dataset} breaks the rule '{rule}'.",
    )
    def check(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
        lake = store.get()
        filters = [("symbol", "=", context.partition_key)] if partitioned else None
        bad = bars.audit(lake.scan(dataset, filters=filters))[rule]
        return dg.AssetCheckResult(passed=bad == 0, metadata={"rows_breaking_rule": bad})

    return check


def rule_checks(
    asset: dg.AssetsDefinition, dataset: str, partitioned: bool = False
) -> list[dg.AssetChecksDefinition]:
    """One blocking check per bar validation rule of ``dataset``."""
    with warnings.catch_warnings():  # partitioned asset checks are a Dagster "preview"
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return [_rule_check(asset, dataset, rule, partitioned) for rule in RULES]


def source_freshness_check(
    asset: dg.AssetsDefinition, dataset: str, source_of: Callable[[str | None], tuple]
) -> dg.AssetChecksDefinition:
    """Fresh = the source file as it is now is completely ingested (nothing left behind)."""
    partitioned = asset.partitions_def is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _source_freshness(asset, dataset, source_of, partitioned)


def _source_freshness(
    asset: dg.AssetsDefinition,
    dataset: str,
    source_of: Callable[[str | None], tuple],
    partitioned: bool,
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset,
        name="fresh",
        partitions_def=asset.partitions_def,
        description=f"{dataset} holds every line of the current source file.",
    )
    def fresh(context: dg.AssetCheckExecutionContext, store: StoreResource) -> dg.AssetCheckResult:
        path, symbol = source_of(context.partition_key if partitioned else None)
        status = resume.source_status(store.get(), path, dataset, symbol)
        info = store.get().version_info(dataset)
        return dg.AssetCheckResult(
            passed=status["complete"],
            metadata={
                "source": str(path),
                "source_sha256": status["sha256"],
                "last_committed_line": status["last_line"],
                "last_commit": info.timestamp.isoformat(),
            },
        )

    return fresh


def lineage_freshness_check(
    asset: dg.AssetsDefinition, dataset: str, upstream: str
) -> dg.AssetChecksDefinition:
    """Fresh = built from the current version of its upstream dataset."""

    @dg.asset_check(
        asset=asset, name="fresh", description=f"{dataset} is built from the latest {upstream}."
    )
    def fresh(store: StoreResource) -> dg.AssetCheckResult:
        lake = store.get()
        built_from = lake.version_info(dataset).lineage.get(upstream)
        latest = lake.version_info(upstream).version
        return dg.AssetCheckResult(
            passed=built_from == latest,
            metadata={"built_from_version": built_from, "upstream_version": latest},
        )

    return fresh
