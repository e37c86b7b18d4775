"""Live state for research: replay through the live path, ledger readers, HALT and recovery.

``replay`` runs :func:`quant.live.replay.replay` (the live engine, paper broker and ledger in a
work folder) on the same inputs as :func:`quant.research.backtest`, so the two compare bar
for bar. The readers take ``ledger``: a SQLAlchemy URL, a folder holding ``live.db`` (e.g. a
replay's ``workdir``), a :class:`Replay`, or None for the configured ledger (``QUANT_LEDGER``).
HALT, recovery and resume are the switch ``quant live halt|recovery|resume`` uses.
"""

from __future__ import annotations

import getpass
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from quant.config import load_settings
from quant.live.halt import RECOVERY_STEPS, HaltSwitch
from quant.live.ledger import Ledger
from quant.research.backtests import Backtest, bars_and_source, config
from quant.research.tables import frame_html, mapping_frame

__all__ = [
    "RECOVERY_STEPS",
    "Replay",
    "fills",
    "halt",
    "orders",
    "positions",
    "recover",
    "replay",
    "resume",
    "status",
]


@dataclass(frozen=True, repr=False)
class Replay(Backtest):
    """A replay through the live path: a ``Backtest`` plus the folder of its ledger."""

    workdir: str = ""

    def plot(self, backtest: Backtest | None = None) -> Any:
        """Live equity (and the backtest's, with their difference) as a plotly Figure."""
        from quant.research import figures

        return figures.live_pnl_figure(self, backtest)


def replay(
    strategy: str,
    bars_or_dataset: pl.DataFrame | str,
    params: Mapping[str, Any] | None = None,
    *,
    symbols: str | Sequence[str] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    version: int | None = None,
    workdir: str | Path | None = None,
    **costs: Any,
) -> Replay:
    """Replay bars one at a time through the live engine (paper broker, ledger in ``workdir``,
    a new temporary folder if None); returns the run like a backtest."""
    from quant.live.replay import replay as _replay

    bars, source = bars_and_source(bars_or_dataset, symbols, start, end, version)
    folder = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="quant-replay-"))
    result = _replay(strategy, bars, folder, params, config(**costs))
    return Replay(result, bars, source, str(folder))


def _url(ledger: str | Path | Replay | None) -> str | None:
    """A SQLAlchemy URL for ``ledger`` (a Replay's or a bare folder -> its SQLite file, as
    ``QUANT_LEDGER`` maps one); None for the settings' ledger."""
    if ledger is None:
        return None
    folder = ledger.workdir if isinstance(ledger, Replay) else ledger
    return load_settings(ledger=str(folder)).ledger_url()


@contextmanager
def _open(ledger: str | Path | Replay | None) -> Iterator[Ledger]:
    url = _url(ledger)
    led = Ledger(url) if url else Ledger.from_settings()
    try:
        yield led
    finally:
        led.close()


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    plain = [{k: (float(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows]
    return pl.DataFrame(plain, infer_schema_length=None)


def orders(ledger: str | Path | Replay | None = None, **filters: Any) -> pl.DataFrame:
    """Orders in the ledger (filters as ``LedgerReader.orders``: strategy, symbol, status)."""
    with _open(ledger) as led:
        return _frame(led.orders(**filters))


def fills(ledger: str | Path | Replay | None = None, **filters: Any) -> pl.DataFrame:
    """Fills in the ledger."""
    with _open(ledger) as led:
        return _frame(led.fills(**filters))


def positions(ledger: str | Path | Replay | None = None) -> pl.DataFrame:
    """Positions in the ledger (quantities, average prices)."""
    with _open(ledger) as led:
        return _frame(led.positions())


@dataclass(frozen=True)
class Status:
    """Live status: HALT per scope, what blocks trading, breakers, orders, positions, cash."""

    data: dict[str, Any]

    @property
    def halted(self) -> bool:
        """True while any scope is halted."""
        return bool(self.data["halted"])

    @property
    def steps_missing(self) -> list[str]:
        """Recovery steps still to confirm for the global scope."""
        glob = next(h for h in self.data["halts"] if h["scope"] == "global")
        return list(glob["steps_missing"])

    def __repr__(self) -> str:
        return f"Status(halted={self.halted}, steps_missing={self.steps_missing})"

    def _repr_html_(self) -> str:
        from quant.live.status import status_lines

        return frame_html(mapping_frame(status_lines(self.data)), "live status")


def status(ledger: str | Path | Replay | None = None) -> Status:
    """The live status (``quant live status``)."""
    from quant.live.status import live_status

    with _open(ledger) as led:
        return Status(live_status(led))


def halt(reason: str, ledger: str | Path | Replay | None = None, scope: str = "global") -> Status:
    """Halt trading now (audited, as ``quant live halt``); the new status."""
    with _open(ledger) as led:
        HaltSwitch(led, scope=scope).halt("manual", reason, getpass.getuser())
    return status(ledger)


def recover(
    step: str, why: str, ledger: str | Path | Replay | None = None, scope: str = "global"
) -> Status:
    """Confirm one recovery step (in ``RECOVERY_STEPS`` order); the new status."""
    with _open(ledger) as led:
        HaltSwitch(led, scope=scope).confirm_step(step, getpass.getuser(), why)
    return status(ledger)


def resume(why: str, ledger: str | Path | Replay | None = None, scope: str = "global") -> Status:
    """Lift the HALT (refused until every recovery step is confirmed); the new status."""
    with _open(ledger) as led:
        HaltSwitch(led, scope=scope).resume(getpass.getuser(), why)
    return status(ledger)
