"""``sharpe_posterior`` (PyMC, small draws) and ``bar_anomalies`` (Kalman detector) assets."""

import dagster as dg
from pydantic import Field

from assets.models.pairs import GROUP, backtest_pairs_spread
from assets.partitions import DAILY_SYMBOLS
from assets.store import StoreResource, metrics_table, store_result
from quant.models.pairs_data import DEFAULT_PAIRS

ANOMALIES = "bar_anomalies"


class SharpeConfig(dg.Config):
    """Sampler size: small by default so the demo stays fast."""

    draws: int = Field(300, ge=50)
    tune: int = Field(300, ge=50)
    chains: int = Field(2, ge=1, le=4)
    seed: int = 0


@dg.asset(
    deps=[backtest_pairs_spread],
    group_name=GROUP,
    kinds={"pymc"},
    description="Posterior of the annualised Sharpe ratio of each pairs_spread backtest "
    "(Student-t returns); trace saved as a checksummed netCDF artefact in the lake.",
)
def sharpe_posterior(
    context: dg.AssetExecutionContext, config: SharpeConfig, store: StoreResource
) -> dg.MaterializeResult:
    """Sample the Sharpe posterior of the stored pairs_spread runs; summary as metadata."""
    from quant.models.sharpe import (
        SharpeSettings,
        returns_from_equity,
        save_trace,
        stored_equity,
    )
    from quant.models.sharpe import (
        sharpe_posterior as posterior,
    )

    lake = store.get(context.run.run_id)
    settings = SharpeSettings(config.draws, config.tune, config.chains, config.seed)
    rows, paths = [], {}
    for y, _ in DEFAULT_PAIRS:
        run_id = f"pairs_spread:{y}"
        equity, info = stored_equity(lake, run_id)
        summary, idata = posterior(returns_from_equity(equity), settings)
        paths[run_id] = str(save_trace(lake.root, run_id, summary, idata))
        rows.append({"run_id": run_id, "backtests_version": info["backtests_version"],
                     **{k: (round(v, 4) if isinstance(v, float) else v)
                        for k, v in summary.items()}})  # fmt: skip
        context.log.info(f"{run_id}: P(Sharpe>0) = {summary['p_sharpe_gt_0']:.3f}")
    return dg.MaterializeResult(
        metadata={
            "posterior_summary": metrics_table(rows),
            "traces": dg.MetadataValue.json(paths),
            "p_sharpe_gt_0": rows[0]["p_sharpe_gt_0"],
        }
    )


@dg.asset(
    deps=[dg.AssetKey("bars_1d")],
    group_name=GROUP,
    kinds={"numba", "polars", "deltalake"},
    description="Kalman anomaly flags (spikes, not regime changes) on every daily symbol's "
    "log closes, with confidence and explanation; known market events are never flagged.",
)
def bar_anomalies(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    """Run the detector on the latest bars_1d; overwrite ``bar_anomalies``; P/R as metadata."""
    import polars as pl

    from quant.models.anomalies import detect
    from quant.models.anomaly_eval import compare

    lake = store.get(context.run.run_id)
    v = lake.resolve("bars_1d")
    bars = lake.read("bars_1d", version=v)
    parts = [detect(bars.filter(pl.col("symbol") == s)) for s in DAILY_SYMBOLS
             if bars.filter(pl.col("symbol") == s).height]  # fmt: skip
    out = pl.concat(parts)
    extra = {"model": "kalman_anomaly", "params": "k=4,k_back=3,lam=0.94", "seed": "0"}
    info = lake.version_info(ANOMALIES) if lake.exists(ANOMALIES) else None
    if info is None or info.lineage != {"bars_1d": v} or dict(info.extra) != extra:
        write = lake.overwrite if info is not None else lake.append  # else: already current
        info = write(ANOMALIES, out, message="Kalman anomaly flags", lineage={"bars_1d": v},
                     extra=extra)  # fmt: skip
    counts = out.group_by("symbol").agg(pl.col("flag").sum().alias("flags")).sort("symbol")
    pr = compare(range(3))
    return store_result(
        info,
        lake=lake,
        flags_per_symbol=metrics_table(counts.to_dicts()),
        synthetic_precision_recall=metrics_table(pr),
        flags=int(out["flag"].sum()),
    )
