"""The ``quant`` command: global options here, each domain's commands in its own module."""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer

from quant.backtest import cli as backtest_cli
from quant.backtest import cli_optimize
from quant.cli_output import JsonOpt, emit
from quant.config import Settings, load_settings
from quant.data import samples
from quant.data.cli import data_app
from quant.errors import QuantError
from quant.log import setup_logging
from quant.models.cli import models_app

app = typer.Typer(
    name="quant",
    help="Versioned market data, numba backtests and live trading from one core.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
config_app = typer.Typer(help="Inspect the effective configuration.", no_args_is_help=True)
samples_app = typer.Typer(
    help="The real market data shipped in data/samples.", no_args_is_help=True
)
app.add_typer(config_app, name="config")
app.add_typer(samples_app, name="samples")
app.add_typer(data_app, name="data")
app.add_typer(models_app, name="models")
app.add_typer(backtest_cli.app)  # quant backtest
app.add_typer(cli_optimize.app)  # quant optimize, quant check-lookahead


def settings(ctx: typer.Context) -> Settings:
    """The Settings resolved by the root callback (env + TOML + ``--lake``)."""
    return ctx.find_root().obj


def _version(value: bool) -> None:
    if value:
        typer.echo(f"quant {version('quant')}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    lake: Annotated[
        Path | None, typer.Option("--lake", help="Lake folder; overrides QUANT_LAKE.")
    ] = None,
    _version_flag: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Resolve settings once and set up logging for every command."""
    cfg = load_settings(lake=lake)
    setup_logging(cfg.log_dir, cfg.log_level)
    ctx.obj = cfg


@config_app.command("show")
def config_show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Print the effective settings (secrets masked)."""
    emit(settings(ctx).public_dict(), as_json)


@samples_app.command("list")
def samples_list(as_json: JsonOpt = False) -> None:
    """List the shipped sample files with their rows on disk and checksums."""
    rows = [samples.describe(s) for s in samples.SAMPLES]
    if as_json:
        emit(rows, True)
    else:
        cols = ["file", "symbol", "timeframe", "format", "rows", "rows_on_disk", "present"]
        emit(rows, False, cols)
    if not all(r["present"] and r["rows_on_disk"] == r["rows"] for r in rows):
        raise QuantError("some shipped samples are missing or have unexpected row counts")


def main() -> None:
    """Console entry point: run the app; a QuantError becomes a message and exit code 2."""
    try:
        app()
    except QuantError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
