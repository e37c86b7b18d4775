"""The optimisation asset: search a strategy's parameters on pinned bars into ``optimizations``."""

import dagster as dg
from pydantic import Field

from assets.store import StoreResource, metrics_table, store_result
from quant.backtest.cli_args import parse_date
from quant.backtest.optimize import OptimizeRequest, engine_options, run_optimization
from quant.backtest.optimize_results import summary, write_optimization
from quant.backtest.walkforward import parse_walk_forward


class OptimizationConfig(dg.Config):
    """The `quant optimize` options as run config (defaults: the demo's small grid)."""

    strategy: str = "sma_crossover"
    symbol: str = "SPX"
    dataset: str = "bars_1d"
    version: int | None = Field(None, description="bars version; None = latest at run time")
    grid: list[str] = Field(default_factory=lambda: ["fast=5:20:5", "slow=30:90:30"])
    params: dict[str, str] = Field(default_factory=dict, description="fixed, never searched")
    genetic: bool = False
    population: int = 20
    generations: int = 10
    seed: int = 0
    walk_forward: str = Field("", description="TRAIN:TEST in bars; empty = full sample")
    workers: int = 1
    executor: str = Field(
        "local", description="local | dask | dask:ADDRESS (a Dask cluster; docs/scaling.md)"
    )
    objective: str = "sharpe"
    top: int = 10
    cash: float = 100_000.0
    sizing: str = "fraction:1"
    fees: str | None = Field(
        None, description="PCT[,FIXED[,MIN]] as in `quant backtest --fees`; None = default costs"
    )
    slippage: str | None = Field(
        None, description="none | constant:BPS | linear:K | sqrt:K; None = default costs"
    )
    fill_timing: str = "next_open"
    allow_short: bool = False
    start: str | None = Field(None, description="first bar date YYYY-MM-DD; None = all")
    end: str | None = Field(None, description="last bar date YYYY-MM-DD; None = all")


@dg.asset(
    name="optimizations",
    group_name="backtests",
    kinds={"numba", "deltalake"},
    deps=[dg.AssetKey("bars_1d")],
    description="Parameter search (grid/genetic, optional walk-forward) of a strategy on pinned "
    "bars; one row per candidate in the `optimizations` dataset.",
)
def optimizations(
    context: dg.AssetExecutionContext, config: OptimizationConfig, store: StoreResource
) -> dg.MaterializeResult:
    """Run the configured search and upsert its rows; metadata: best params and the top table."""
    lake = store.get(context.run.run_id)
    request = OptimizeRequest(
        strategy=config.strategy,
        symbol=config.symbol,
        dataset=config.dataset,
        version=config.version,
        grid=tuple(config.grid),
        params=dict(config.params),
        genetic=config.genetic,
        population=config.population,
        generations=config.generations,
        seed=config.seed,
        objective=config.objective,
        walk_forward=parse_walk_forward(config.walk_forward) if config.walk_forward else None,
        workers=config.workers,
        executor=config.executor,
        config=engine_options(
            config.cash,
            config.sizing,
            config.fees,
            config.slippage,
            config.fill_timing,
            config.allow_short,
        ),
        start=parse_date(config.start, "start"),
        end=parse_date(config.end, "end"),
    )
    opt = run_optimization(str(lake.root), request)
    info = write_optimization(lake, opt)
    out = summary(opt, config.top)
    context.log.info(f"best {out['best_params']} ({config.objective}) run_id={opt.run_id}")
    meta = {
        "run_id": opt.run_id,
        "strategy": config.strategy,
        "symbol": config.symbol,
        "method": request.method,
        "objective": config.objective,
        "seed": config.seed,
        "best_params": dg.MetadataValue.json(out["best_params"]),
        "model": dg.MetadataValue.json(out["model"]),
        "top": metrics_table(out["top"]),
    }
    if opt.walk is not None:
        meta["oos_metrics"] = metrics_table([opt.walk.stitched.to_dict()])
    else:
        meta["best_fitness"] = out["best_fitness"]
        meta["evaluated"] = out["evaluated"]
    return store_result(info, lake=lake, **meta)
