"""State shared by every ``quant`` sub-command: the ``--lake`` override and the settings.

The root command (``quant/cli.py``) stores a :class:`CliState` on the root context; every
sub-command module reads it through :func:`settings`. Both import this module, never each
other, so imports point one way: ``quant.cli`` -> sub-command modules -> ``quant.cli_context``.

Settings (pydantic-settings) and logging (structlog) are resolved on the first call to
:func:`settings`, not in the root callback, so ``quant --help`` / ``quant data --help``
never pay for them. Every command group is made with :func:`new_app` (plain help pages:
typer's rich formatter alone costs more than the whole ``quant --help``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from quant.config import Settings


@dataclass
class CliState:
    """What the root callback parsed (``--lake``) and the settings once resolved."""

    lake: Path | None = None
    resolved: Settings | None = None


def new_app(help: str | None = None, **options: Any) -> typer.Typer:
    """A command group with the project's defaults (plain help, no completion, usage on no args)."""
    defaults: dict[str, Any] = {
        "no_args_is_help": True,
        "rich_markup_mode": None,
        "pretty_exceptions_enable": False,
        "add_completion": False,
    }
    return typer.Typer(help=help, **(defaults | options))


def state(ctx: typer.Context) -> CliState:
    """The CliState on the root context (created empty if the root callback did not run)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def settings(ctx: typer.Context) -> Settings:
    """The Settings (env + TOML + ``--lake``), loaded and logging set up on first use.

    Raises ``quant.errors.ConfigError`` (exit 2) when a setting is invalid.
    """
    st = state(ctx)
    if st.resolved is None:
        from quant.config import load_settings
        from quant.log import setup_logging

        cfg = load_settings(lake=st.lake)
        setup_logging(cfg.log_dir, cfg.log_level)
        st.resolved = cfg
    return st.resolved
