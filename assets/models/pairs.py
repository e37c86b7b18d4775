"""Pair models as assets: ``pairs_1d`` (rolling OLS hedge ratio), ``spread_ar`` (AR(1) of the
spread) and ``backtest_pairs_spread`` (the strategy on the model dataset, a ``backtests`` row)."""

import dagster as dg

from assets.store import StoreResource, metrics_table, store_result
from quant.models.pairs_data import DEFAULT_PAIRS, fit_ar, fit_pair, read_ar, read_pair

GROUP = "models"


@dg.asset(
    deps=[dg.AssetKey("bars_1d")],
    group_name=GROUP,
    kinds={"statsmodels", "deltalake"},
    description="Rolling OLS hedge ratio (60 bars) of each default pair "
    f"({', '.join(f'{y}~{x}' for y, x in DEFAULT_PAIRS)}) with the first leg's bars.",
)
def pairs_1d(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    """Fit every default pair from the latest bars_1d version (no-op if already fitted)."""
    lake = store.get(context.run.run_id)
    info = None
    coef: dict[str, dict[str, float]] = {}
    for y, x in DEFAULT_PAIRS:
        info = fit_pair(lake, y, x, window=60, seed=0)
        last = read_pair(lake, y)[0].tail(1).row(0, named=True)
        coef[f"{y}~{x}"] = {k: last[k] for k in ("hedge_alpha", "hedge_beta", "hedge_resid_sd")}
        context.log.info(f"pairs_1d v{info.version}: {y}~{x} latest beta {last['hedge_beta']:.4f}")
    assert info is not None
    return store_result(
        info,
        lake=lake,
        latest_coefficients=metrics_table([{"pair": k, **v} for k, v in coef.items()]),
        seed=0,
    )


@dg.asset(
    deps=[pairs_1d],
    group_name=GROUP,
    kinds={"statsmodels", "deltalake"},
    description="AR(1) of each pair's spread over its first 70 % of bars (half-life of "
    "mean reversion; its one-step errors feed the concept-drift check).",
)
def spread_ar(context: dg.AssetExecutionContext, store: StoreResource) -> dg.MaterializeResult:
    """Fit the spread AR(1) of every default pair from the latest pairs_1d version."""
    lake = store.get(context.run.run_id)
    info = None
    coef = {}
    for y, _ in DEFAULT_PAIRS:
        info = fit_ar(lake, y, seed=0)
        row = read_ar(lake, y)
        coef[row["pair"]] = {k: row[k] for k in ("const", "phi", "sigma2", "half_life", "aic")}
    assert info is not None
    return store_result(
        info,
        lake=lake,
        coefficients=metrics_table([{"pair": k, **v} for k, v in coef.items()]),
        seed=0,
    )


@dg.asset(
    deps=[pairs_1d],
    group_name=GROUP,
    kinds={"numba", "deltalake"},
    description="`pairs_spread` backtest of each default pair on pairs_1d; a row of `backtests`.",
)
def backtest_pairs_spread(
    context: dg.AssetExecutionContext, store: StoreResource
) -> dg.MaterializeResult:
    """Backtest the pairs strategy on the latest pairs_1d version (0.05 % fees, 2 bps)."""
    from quant.backtest.cli_args import parse_fees, parse_slippage
    from quant.backtest.config import BacktestConfig
    from quant.backtest.engine import run_backtest
    from quant.backtest.results import write_backtest

    lake = store.get(context.run.run_id)
    cfg = BacktestConfig(
        allow_short=True, fees=parse_fees("0.05"), slippage=parse_slippage("constant:2")
    )
    info, metrics = None, {}
    for y, _ in DEFAULT_PAIRS:
        bars, v = read_pair(lake, y)
        result = run_backtest("pairs_spread", bars, None, cfg)
        info = write_backtest(lake, result, "pairs_1d", v)
        m = result.metrics
        metrics[f"pairs_spread:{y}"] = {"sharpe": m.sharpe, "total_return": m.total_return,
                                        "n_trades": m.n_trades}  # fmt: skip
        context.log.info(f"pairs_spread {y}: {m.n_trades} trades, sharpe {m.sharpe}")
    assert info is not None
    return store_result(
        info, lake=lake, runs=metrics_table([{"run_id": k, **v} for k, v in metrics.items()])
    )
