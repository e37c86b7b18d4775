"""``quant live``: the live half's command group (state commands from ``cli_state``, engine
commands from ``cli_engine``)."""

from __future__ import annotations

import typer

from quant.live.cli_engine import engine_app
from quant.live.cli_start import start_app
from quant.live.cli_state import state_app

live_app = typer.Typer(help="Live trading on the backtest's core.", no_args_is_help=True)
live_app.add_typer(state_app)  # status, halt, resume, recovery, orders, positions
live_app.add_typer(engine_app)  # replay, reconcile
live_app.add_typer(start_app)  # start
