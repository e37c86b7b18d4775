"""``quant live start``: the live loop without the UI (``make live`` runs it in Dagster)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from quant.cli_output import JsonOpt, emit

start_app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)


@start_app.command("start")
def start(
    ctx: typer.Context,
    strategy: Annotated[str, typer.Option("--strategy", help="Strategy name.")] = "sma_crossover",
    symbol: Annotated[
        list[str] | None, typer.Option("--symbol", help="Symbol to trade (repeat; default ORCL).")
    ] = None,
    dataset: Annotated[str, typer.Option("--dataset", help="Bars dataset.")] = "bars_1d",
    version: Annotated[
        int | None, typer.Option("--version", help="Replay: pinned version (default latest).")
    ] = None,
    feed: Annotated[str, typer.Option("--feed", help="replay | inbox")] = "replay",
    inbox: Annotated[
        Path | None, typer.Option("--inbox", help="Inbox feed: folder bar files land in.")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Strategy parameter name=value (repeat).")
    ] = None,
    cash: Annotated[float, typer.Option("--cash", help="Starting cash.")] = 100_000.0,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between ticks.")] = 1.0,
    bars_per_tick: Annotated[
        int, typer.Option("--bars-per-tick", help="Bars traded per tick (0: all available).")
    ] = 1,
    max_ticks: Annotated[
        int | None, typer.Option("--max-ticks", help="Stop after N ticks.")
    ] = None,
    exit_when_idle: Annotated[
        bool, typer.Option("--exit-when-idle", help="Stop at the first tick with no new bar.")
    ] = False,
    staleness: Annotated[
        float, typer.Option("--staleness", help="HALT after this many s without a bar (0: off).")
    ] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Trade each new bar as it arrives (the live sensor's tick logic, headless; Ctrl-C stops)."""
    from quant.backtest import cli_args
    from quant.backtest.strategy import resolve, validate_params
    from quant.cli_context import settings
    from quant.live.loop import run_loop
    from quant.live.tick import LiveSpec, live_summary

    params = validate_params(resolve(strategy), cli_args.parse_params(param or []))
    spec = LiveSpec(
        strategy=strategy, symbols=tuple(symbol or ["ORCL"]), dataset=dataset, version=version,
        feed=feed, inbox=str(inbox or ""), params=params.model_dump(), cash=cash,
        staleness_s=staleness, lake=str(settings(ctx).lake), ledger=settings(ctx).ledger,
    )  # fmt: skip

    def show(plan, outs) -> None:
        if as_json:
            return
        for o in outs:
            day = datetime.fromtimestamp(o.ts / 1e9, tz=UTC).strftime("%Y-%m-%d %H:%M")
            typer.echo(f"{day}  {strategy}: {len(o.submitted)} order(s) sent, "
                       f"{len(o.fills)} fill(s), {len(o.refused)} refused")  # fmt: skip
        if plan.skip and not outs:
            typer.echo(f"skip: {plan.skip}")

    report = run_loop(spec, interval, bars_per_tick or None, max_ticks, exit_when_idle,
                      on_tick=show)  # fmt: skip
    ledger = spec.open_ledger()
    try:
        summary = live_summary(ledger, spec.name, cash)
    finally:
        ledger.close()
    out = {"ticks": report.ticks, "bars": report.bars, "orders_sent": report.orders,
           "fills": report.fills, "refused": report.refused, "last_skip": report.last_skip,
           **summary}  # fmt: skip
    emit(out, as_json)
