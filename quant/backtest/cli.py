"""``quant backtest``: run one strategy on stored bars and print its metrics.

Heavy modules (engine, numba kernels, the store) are imported inside the command so
``quant --help`` stays fast.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from quant.backtest.cli_optimize import FeesOpt, SlippageOpt
from quant.backtest.cli_options import StrategyArg
from quant.cli_context import new_app, settings
from quant.cli_output import JsonOpt, emit

app = new_app()


def _load_bars(lake: str, dataset: str, version, tag, symbols, start, end) -> tuple[Any, int]:
    """Bars of the symbols within [start, end] from one pinned dataset version."""
    from quant.backtest.bars import load_bars
    from quant.data.store import DatasetStore

    return load_bars(DatasetStore(lake), dataset, symbols, start, end, version=version, tag=tag)


@app.command("backtest")
def backtest(
    ctx: typer.Context,
    strategy: StrategyArg,
    symbol: Annotated[
        list[str], typer.Option("--symbol", help="Symbol to trade (repeat for several).")
    ],
    dataset: Annotated[str, typer.Option("--dataset", help="Bars dataset.")] = "bars_1d",
    version: Annotated[int | None, typer.Option("--version", help="Dataset version.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Dataset tag.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="First date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date, YYYY-MM-DD.")] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Strategy parameter name=value (repeat).")
    ] = None,
    cash: Annotated[float, typer.Option("--cash", help="Starting cash.")] = 100_000.0,
    sizing: Annotated[
        str,
        typer.Option("--sizing", help="fixed:QTY | fraction:F | risk:R | vol:TARGET | kelly:CAP"),
    ] = "fraction:1",
    fees: FeesOpt = None,
    slippage: SlippageOpt = None,
    clamp_slippage: Annotated[
        bool,
        typer.Option(
            "--clamp-slippage",
            help="Clamp slipped prices into the bar's [low, high] (drops part of the slippage).",
        ),
    ] = False,
    fill_timing: Annotated[
        str, typer.Option("--fill-timing", help="next_open | next_close | same_close")
    ] = "next_open",
    stop_loss: Annotated[float, typer.Option("--stop-loss", help="Bracket stop, fraction.")] = 0.0,
    take_profit: Annotated[
        float, typer.Option("--take-profit", help="Bracket target, fraction.")
    ] = 0.0,
    participation: Annotated[
        float, typer.Option("--participation", help="Max fraction of bar volume per fill.")
    ] = 0.0,
    allow_short: Annotated[
        bool, typer.Option("--allow-short", help="Allow short positions.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Backtest STRATEGY on stored bars; print metrics (with --json also trades and fills)."""
    from quant.backtest import cli_args
    from quant.backtest.engine import run_backtest
    from quant.backtest.strategy import resolve, validate_params

    mod = resolve(strategy)
    params = validate_params(mod, cli_args.parse_params(param or []))
    cfg = cli_args.backtest_config(
        sizing,
        fees,
        slippage,
        cash=cash,
        fill_timing=fill_timing,  # type: ignore[arg-type]
        stop_loss=stop_loss,
        take_profit=take_profit,
        participation=participation,
        allow_short=allow_short,
        clamp_slippage_to_bar=clamp_slippage,
    )
    first, last = cli_args.parse_date(start, "--start"), cli_args.parse_date(end, "--end")
    symbols = sorted(set(symbol))
    bars, v = _load_bars(str(settings(ctx).lake), dataset, version, tag, symbols, first, last)
    res = run_backtest(mod, bars, params, cfg)
    head = {
        "strategy": res.strategy,
        "dataset": dataset,
        "version": v,
        "symbols": ", ".join(res.symbols),
        "start": str(bars["ts"].min()),
        "end": str(bars["ts"].max()),
        "params": ", ".join(f"{k}={val}" for k, val in res.params.items()),
    } | res.report
    if as_json:
        out = head | {
            "params": res.params,
            "symbols": list(res.symbols),
            "metrics": res.metrics.to_dict(json_safe=True),
            "trades": res.trades_frame().to_dicts(),
            "fills": res.fills_frame().to_dicts(),
        }
        emit(out, True)
        return
    emit(head, False)
    typer.echo("")
    emit(res.metrics.to_dict(), False)
