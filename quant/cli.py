"""The ``quant`` command: global options here, each domain's commands in its own module.

Import rule (keeps ``quant --help`` fast, see ARCHITECTURE.md "The CLI"): this module and
every sub-command module (``quant/*/cli*.py``) import only typer, ``quant.cli_context``,
``quant.cli_output``, ``quant.errors`` and other light modules at the top; the store, numba,
polars, DuckDB, pyarrow and the engine are imported inside the command bodies.
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated

import typer

from quant.backtest import cli as backtest_cli
from quant.backtest import cli_optimize
from quant.cli_context import CliState, new_app, settings
from quant.cli_output import JsonOpt, emit
from quant.data.cli import data_app
from quant.errors import QuantError
from quant.live.cli import live_app
from quant.models.cli import models_app

app = new_app(
    "Versioned market data, numba backtests and live trading from one core.", name="quant"
)
config_app = new_app("Inspect the effective configuration.")
samples_app = new_app("The real market data shipped in data/samples.")
app.add_typer(config_app, name="config")
app.add_typer(samples_app, name="samples")
app.add_typer(data_app, name="data")
app.add_typer(models_app, name="models")
app.add_typer(backtest_cli.app)  # quant backtest
app.add_typer(cli_optimize.app)  # quant optimize, quant check-lookahead
app.add_typer(live_app, name="live")  # quant live ...


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version  # about 20 ms: only for --version

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
    """Versioned market data, numba backtests and live trading from one core."""
    ctx.obj = CliState(lake=lake)  # settings and logging resolve on first use


@config_app.command("show")
def config_show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Print the effective settings (secrets masked)."""
    emit(settings(ctx).public_dict(), as_json)


@samples_app.command("list")
def samples_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the shipped sample files with their rows on disk and checksums."""
    from quant.data import samples

    settings(ctx)  # invalid settings stop every command at start
    rows = [samples.describe(s) for s in samples.SAMPLES]
    if as_json:
        emit(rows, True)
    else:
        cols = ["file", "symbol", "timeframe", "format", "rows", "rows_on_disk", "present"]
        emit(rows, False, cols)
    if not all(r["present"] and r["rows_on_disk"] == r["rows"] for r in rows):
        raise QuantError("some shipped samples are missing or have unexpected row counts")


#: Cyclic-GC thresholds while a command runs. Start-up allocates a few million long-lived
#: objects (numba's typing tables, polars, pydantic models) and the default (700, 10, 10)
#: runs full collections over them that free nothing; 100k new objects between young
#: collections still collects cycles in long commands (live, optimize) without that cost.
GC_THRESHOLDS = (100_000, 50, 100)


def main() -> None:
    """Console entry point: run the app; a QuantError, or an I/O or storage error that no
    layer below named (disk full, read-only folder), becomes a message and exit code 2.

    GC: :data:`GC_THRESHOLDS` while running, and every object frozen once the command is
    done, so interpreter teardown skips full collections over the whole heap (together
    about a quarter of a warm ``quant backtest``; docs/performance.md)."""
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        app()
    except QuantError as err:
        typer.echo(f"error: {err}", err=True)
        sys.exit(err.exit_code)
    except Exception as err:
        # Imported only on this path: the store package loads polars and deltalake.
        from quant.data.store.guard import STORAGE_ERRORS, describe

        if not isinstance(err, STORAGE_ERRORS):
            raise
        typer.echo(f"error: {describe(err)}", err=True)
        sys.exit(2)
    finally:
        gc.freeze()  # the process exits next: its objects need no more cycle collection
