"""``quant optimize`` and ``quant check-lookahead``: parameter search and the lookahead guard.

Heavy modules (the engine, numba kernels, the store) are imported inside the commands so
``quant --help`` and unrelated commands stay fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from quant.backtest.cli_options import StrategyArg
from quant.cli_context import new_app, settings
from quant.cli_output import JsonOpt, emit
from quant.errors import QuantError

app = new_app()

#: Exit code of ``check-lookahead`` when a past decision changed (errors exit 2).
LOOKAHEAD_FOUND = 1

DatasetOpt = Annotated[str, typer.Option("--dataset", help="Bars dataset name.")]
VersionOpt = Annotated[
    int | None, typer.Option("--version", help="Dataset version (default: latest).")
]
TagOpt = Annotated[str | None, typer.Option("--tag", help="Dataset tag (instead of --version).")]
SymbolOpt = Annotated[str, typer.Option("--symbol", help="Symbol to run on.")]
ParamOpt = Annotated[
    list[str] | None, typer.Option("--param", help="Strategy parameter name=value (repeat).")
]
# engine options, as in `quant backtest`
CashOpt = Annotated[float, typer.Option("--cash", help="Starting cash.")]
SizingOpt = Annotated[
    str, typer.Option("--sizing", help="fixed:QTY | fraction:F | risk:R | vol:TARGET | kelly:CAP")
]
# the cost defaults live in quant.backtest.config (DEFAULT_FEES, DEFAULT_SLIPPAGE); these help
# texts repeat them for `--help` without importing the engine (a test keeps them in step)
FEES_HELP = "PCT[,FIXED[,MIN]]: percent of notional, per-fill fixed, min [default: 0.05 = 5 bps]"
SLIPPAGE_HELP = "none | constant:BPS | linear:K | sqrt:K [default: constant:2]"
FeesOpt = Annotated[str | None, typer.Option("--fees", help=FEES_HELP, show_default=False)]
SlippageOpt = Annotated[
    str | None, typer.Option("--slippage", help=SLIPPAGE_HELP, show_default=False)
]

TimingOpt = Annotated[
    str, typer.Option("--fill-timing", help="next_open | next_close | same_close")
]
ShortOpt = Annotated[bool, typer.Option("--allow-short", help="Allow short positions.")]


def _pin(lake: str, dataset: str, version: int | None, tag: str | None) -> int:
    from quant.data.store import DatasetStore

    return DatasetStore(lake).resolve(dataset, version=version, tag=tag)


@app.command("optimize")
def optimize(
    ctx: typer.Context,
    strategy: StrategyArg,
    symbol: SymbolOpt,
    dataset: DatasetOpt = "bars_1d",
    version: VersionOpt = None,
    tag: TagOpt = None,
    grid: Annotated[
        list[str] | None, typer.Option("--grid", help="Grid spec name=start:stop:step (repeat).")
    ] = None,
    param: ParamOpt = None,
    genetic: Annotated[bool, typer.Option("--genetic", help="Genetic search.")] = False,
    population: Annotated[
        int, typer.Option("--population", min=2, help="Candidates per generation (genetic).")
    ] = 20,
    generations: Annotated[
        int, typer.Option("--generations", min=1, help="Generations (genetic).")
    ] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the genetic search.")] = 0,
    walk: Annotated[
        str | None, typer.Option("--walk-forward", help="TRAIN:TEST window lengths in bars.")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            help="Where candidates run: local, dask (DASK_SCHEDULER_ADDRESS, else a local "
            "cluster of --workers processes) or dask:ADDRESS (e.g. dask:tcp://host:8786).",
        ),
    ] = "local",
    objective: Annotated[
        str,
        typer.Option(
            "--objective",
            help="Metric to optimise, e.g. sharpe, sortino, calmar, total_return, max_drawdown "
            "(drawdown, volatility, VaR/ES, fees and turnover are minimised).",
        ),
    ] = "sharpe",
    top: Annotated[int, typer.Option("--top", min=1, help="Rows of the top table.")] = 10,
    cash: CashOpt = 100_000.0,
    sizing: SizingOpt = "fraction:1",
    fees: FeesOpt = None,
    slippage: SlippageOpt = None,
    fill_timing: TimingOpt = "next_open",
    allow_short: ShortOpt = False,
    start: Annotated[str | None, typer.Option("--start", help="First date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date, YYYY-MM-DD.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Search a strategy's parameters (grid or genetic, optionally walk-forward); store results."""
    if not grid and not genetic:
        raise QuantError("give --grid name=start:stop:step (repeatable) or --genetic")
    from tqdm import tqdm

    from quant.backtest.cli_args import parse_date, parse_params
    from quant.backtest.optimize import OptimizeRequest, engine_options, run_optimization
    from quant.backtest.optimize_results import summary, write_optimization
    from quant.backtest.walkforward import parse_walk_forward
    from quant.data.store import DatasetStore

    lake = str(settings(ctx).lake)
    request = OptimizeRequest(
        strategy=strategy,
        symbol=symbol,
        dataset=dataset,
        version=_pin(lake, dataset, version, tag),
        grid=tuple(grid or ()),
        params=parse_params(param or []),
        genetic=genetic,
        population=population,
        generations=generations,
        seed=seed,
        objective=objective,
        walk_forward=parse_walk_forward(walk) if walk else None,
        workers=workers,
        executor=executor,
        config=engine_options(cash, sizing, fees, slippage, fill_timing, allow_short),
        start=parse_date(start, "--start"),
        end=parse_date(end, "--end"),
    )
    what = "genetic search" if genetic else "grid search"
    what = f"walk-forward {what}" if walk else what
    with tqdm(desc=what, unit=" backtests", disable=None, leave=False) as bar:
        opt = run_optimization(lake, request, progress=bar.update)
    info = write_optimization(DatasetStore(lake), opt)
    out = summary(opt, top) | {"optimizations_version": info.version}
    if as_json:
        emit(out, True)
        return
    table = out.pop("top")
    out.pop("oos_metrics", None)
    out["space"] = ", ".join(f"{k}={v[0]}..{v[1]} ({v[2]})" for k, v in out["space"].items())
    out |= out.pop("model")  # fill timing, fees, slippage, ... one line each
    emit(out, False)
    typer.echo("")
    emit(table, False)
    if opt.walk is not None:
        typer.echo("\nstitched out-of-sample metrics")
        emit(opt.walk.stitched.to_dict(), False)


@app.command("check-lookahead")
def check_lookahead_cmd(
    ctx: typer.Context,
    strategy: StrategyArg,
    symbol: SymbolOpt,
    dataset: DatasetOpt = "bars_1d",
    version: VersionOpt = None,
    tag: TagOpt = None,
    param: ParamOpt = None,
    fill_timing: TimingOpt = "next_open",
    allow_short: ShortOpt = False,
    checks: Annotated[
        int,
        typer.Option(
            "--checks",
            min=1,
            help="Evenly spread truncation points, on top of one after every decision change.",
        ),
    ] = 8,
    as_json: JsonOpt = False,
) -> None:
    """Re-run a strategy on truncated histories; exit 1 if any past decision or feature changes.

    Truncates after every bar where the decision changes, at the last bar and at --checks
    spread points; the output says how many points were compared.
    """
    from pydantic import ValidationError

    from quant.backtest.cli_args import parse_params
    from quant.backtest.lookahead import check_lookahead, streaming_check
    from quant.backtest.optimize import engine_options
    from quant.backtest.runner import BacktestFactory, BarsRef, params_model

    lake = str(settings(ctx).lake)
    model = params_model(strategy)
    try:
        params = model(**parse_params(param or [])).model_dump()
    except ValidationError as err:
        raise QuantError(f"invalid --param for {strategy}: {err}") from None
    ref = BarsRef(lake, dataset, _pin(lake, dataset, version, tag), symbol)
    config = engine_options(100_000.0, "fraction:1", None, None, fill_timing, allow_short)
    runner = BacktestFactory(strategy, ref, config).runner()
    report = check_lookahead(
        runner.decisions(params), runner.n_bars, n_checks=checks, features=runner.features(params),
        extra_check=streaming_check(runner.module, runner.bars, params),
    )  # fmt: skip
    out = {"strategy": strategy, "dataset": dataset, "version": ref.version, "symbol": symbol,
           "params": params} | report.to_dict()  # fmt: skip
    if as_json:
        emit(out, True)
    else:
        verdict = out.pop("verdict")
        for key in ("details", "prefixes"):
            out.pop(key, None)
        emit(out, False)
        typer.echo(verdict)
    if not report.ok:
        raise typer.Exit(LOOKAHEAD_FOUND)
