"""``quant live`` engine commands: replay and reconcile (``--json``).

``engine_app`` has no name of its own: ``quant/live/cli.py`` merges it into the ``live``
group. Heavy modules are imported inside the commands so ``quant --help`` stays fast.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from quant.backtest.cli_optimize import FeesOpt, SlippageOpt
from quant.backtest.cli_options import StrategyArg
from quant.cli_output import JsonOpt, emit

engine_app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)


@engine_app.command("replay")
def replay_cmd(
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
        str, typer.Option("--fill-timing", help="next_open | next_close")
    ] = "next_open",
    participation: Annotated[
        float, typer.Option("--participation", help="Max fraction of bar volume per fill.")
    ] = 0.0,
    allow_short: Annotated[
        bool, typer.Option("--allow-short", help="Allow short positions.")
    ] = False,
    workdir: Annotated[
        Path | None,
        typer.Option("--workdir", help="Keep the replay's ledger and paper broker here."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Replay STRATEGY's bars through the live path; print what quant backtest prints."""
    from quant.backtest import cli_args
    from quant.backtest.cli import _load_bars
    from quant.backtest.strategy import resolve, validate_params
    from quant.cli_context import settings
    from quant.live.replay import replay

    mod = resolve(strategy)
    params = validate_params(mod, cli_args.parse_params(param or []))
    cfg = cli_args.backtest_config(
        sizing,
        fees,
        slippage,
        cash=cash,
        fill_timing=fill_timing,  # type: ignore[arg-type]
        participation=participation,
        allow_short=allow_short,
        clamp_slippage_to_bar=clamp_slippage,
    )
    first, last = cli_args.parse_date(start, "--start"), cli_args.parse_date(end, "--end")
    symbols = sorted(set(symbol))
    bars, v = _load_bars(str(settings(ctx).lake), dataset, version, tag, symbols, first, last)
    with tempfile.TemporaryDirectory(prefix="quant-replay-") as tmp:
        res = replay(mod, bars, workdir or tmp, params, cfg)
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
        emit(
            head
            | {
                "params": res.params,
                "symbols": list(res.symbols),
                "metrics": res.metrics.to_dict(json_safe=True),
                "trades": res.trades_frame().to_dicts(),
                "fills": res.fills_frame().to_dicts(),
            },
            True,
        )
        return
    emit(head, False)
    typer.echo("")
    emit(res.metrics.to_dict(), False)


@engine_app.command("reconcile")
def reconcile_cmd(
    ctx: typer.Context,
    engine: Annotated[str, typer.Option("--engine", help="Engine (strategy) name in the ledger.")],
    broker_db: Annotated[
        Path | None,
        typer.Option("--broker-db", help="Paper broker file (default: beside the ledger)."),
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="Carry out the broker-side resolutions.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Compare the broker with the ledger; list discrepancies and resolutions (exit 1 if any)."""
    from decimal import Decimal

    from quant.cli_context import settings
    from quant.live.broker.paper import PaperBroker
    from quant.live.ledger import Ledger
    from quant.live.reconcile import apply_resolutions, reconcile

    ledger = Ledger.from_settings(settings(ctx))
    path = broker_db or default_broker_path(ledger.url)
    broker = PaperBroker(path)
    try:
        orders = ledger.orders(strategy=engine)
        positions = {p["symbol"]: Decimal(p["qty"]) for p in ledger.positions(engine)}
        found = reconcile(orders, positions, broker)
        done = apply_resolutions(found, broker) if apply else []
    finally:
        broker.close()
        ledger.close()
    rows = [d.to_dict() | {"applied": d in done} for d in found]
    if as_json:
        emit({"engine": engine, "discrepancies": rows}, True)
    else:
        emit(rows, False, ["kind", "key", "detail", "resolution", "applied"])
    if found and len(done) < len(found):
        raise typer.Exit(1)


def default_broker_path(ledger_url: str) -> Path:
    """The paper broker's file next to a SQLite ledger (``paper_broker.db``)."""
    from sqlalchemy import make_url

    db = make_url(ledger_url).database
    return (Path(db).parent if db else Path.cwd()) / "paper_broker.db"
