"""The optimiser's bridge to the engine: pinned bars from the store, runs on bar ranges.

``BarsRef`` names one symbol of one *version* of a bars dataset; a worker process loads it
from the lake itself (nothing big is pickled). ``BacktestRunner`` holds the loaded bars and
runs ``quant.backtest.engine.run_backtest`` on a bar range; ``BacktestFactory`` is the
picklable recipe the evaluation pool hands to its workers.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel

from quant.backtest.evaluate import BarRange, Evaluator
from quant.backtest.walkforward import Records
from quant.data.store import DatasetStore
from quant.errors import QuantError

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class UnknownStrategyError(QuantError):
    """No strategy module of that name (or it lacks a Params model)."""


class NoBarsError(QuantError):
    """The pinned dataset version holds no bars for the symbol."""


def params_model(strategy: str) -> type[BaseModel]:
    """The pydantic Params model of ``strategies.<strategy>``."""
    if not _NAME.match(strategy):
        raise UnknownStrategyError(f"invalid strategy name {strategy!r}")
    try:
        module = importlib.import_module(f"strategies.{strategy}")
    except ModuleNotFoundError:
        raise UnknownStrategyError(f"no strategy {strategy!r} in strategies/") from None
    model = getattr(module, "Params", None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise UnknownStrategyError(f"strategies.{strategy} has no pydantic Params model")
    return model


@dataclass(frozen=True)
class BarsRef:
    """One symbol of one pinned version of a bars dataset in a lake."""

    lake: str
    dataset: str
    version: int
    symbol: str

    def load(self) -> pl.DataFrame:
        """The symbol's bars of that version, sorted by time."""
        store = DatasetStore(self.lake)
        bars = store.read(
            self.dataset, version=self.version, filters=[("symbol", "=", self.symbol)]
        ).sort("ts")
        if bars.height == 0:
            raise NoBarsError(
                f"{self.dataset} v{self.version} has no bars for symbol {self.symbol!r}"
            )
        return bars


class BacktestRunner:
    """Runs one strategy over (a bar range of) loaded bars; deterministic per call."""

    def __init__(self, strategy: str, bars: pl.DataFrame, config: dict[str, Any]) -> None:
        self.strategy = strategy
        self.bars = bars
        self.config = dict(config)
        self.model = params_model(strategy)

    @property
    def n_bars(self) -> int:
        """Number of loaded bars."""
        return self.bars.height

    def result(self, params: dict[str, Any], bars: BarRange = None) -> Any:
        """The engine's BacktestResult over bars ``[start, end)`` (None = all)."""
        from quant.backtest.engine import run_backtest  # the engine lives on branch backtest

        frame = self.bars if bars is None else self.bars.slice(bars[0], bars[1] - bars[0])
        return run_backtest(self.strategy, frame, self.model(**params), self.config)

    def metrics(self, params: dict[str, Any], bars: BarRange = None) -> dict[str, Any]:
        """Metrics dict of one run (the evaluator of the search)."""
        return self.result(params, bars).metrics.to_dict()

    def records(self, params: dict[str, Any], bars: BarRange = None) -> Records:
        """Records of one run (walk-forward's test side)."""
        r = self.result(params, bars)
        return Records(r.equity, r.ts, r.trades, r.fills, r.exposure)

    def decisions(self, params: dict[str, Any]) -> Any:
        """``prefix length -> targets`` for the lookahead guard."""
        return lambda n: np.asarray(self.result(params, (0, n)).targets)


@dataclass(frozen=True)
class BacktestFactory:
    """Picklable recipe: each process loads the pinned bars once and runs the engine."""

    strategy: str
    bars: BarsRef
    config: dict[str, Any] = field(default_factory=dict)

    def runner(self) -> BacktestRunner:
        """Load the bars and return a runner."""
        return BacktestRunner(self.strategy, self.bars.load(), self.config)

    def build(self) -> Evaluator:
        """``(params, bar range) -> metrics dict`` over the loaded bars."""
        return self.runner().metrics
