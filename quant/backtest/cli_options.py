"""Command-line options shared by ``quant backtest``, ``optimize`` and ``check-lookahead``.

Light on purpose (typer only): the help text lists the registered strategies from
``strategies.REGISTRY`` without importing any strategy module (no numba at ``--help``).
"""

from __future__ import annotations

import importlib
from typing import Annotated

import typer


def strategy_names() -> list[str]:
    """Names of the registered strategies (empty if the strategies package is not importable)."""
    try:
        return sorted(importlib.import_module("strategies").REGISTRY)
    except ImportError:
        return []


def strategy_help() -> str:
    """Help text of the STRATEGY argument, naming every registered strategy."""
    names = strategy_names()
    return f"One of: {', '.join(names)}." if names else "A strategy registered in strategies/."


StrategyArg = Annotated[str, typer.Argument(help=strategy_help(), show_default=False)]
