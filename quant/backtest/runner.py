"""The optimiser's bridge to the engine: pinned bars from the store, runs on bar ranges.

``BarsRef`` names one symbol of one *version* of a bars dataset; a Dask worker loads it from
the lake itself (nothing big is pickled). ``BacktestRunner`` holds the loaded bars and runs
``quant.backtest.engine.run_backtest`` on a bar range; ``BacktestFactory`` is the picklable
recipe the evaluation pool hands to its workers. It loads the bars once per process; for
the local process pool, ``for_workers`` writes them as ``.npy`` files (``SavedBars``) that
every worker memory-maps, so a worker never imports polars, deltalake or the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from quant.backtest import strategy as strat
from quant.backtest.bars import BarArrays, from_frame, load_arrays, save_arrays
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import BacktestResult, run_backtest, strategy_features
from quant.backtest.evaluate import BarRange, Evaluator
from quant.backtest.walkforward import Records
from quant.errors import QuantError


class NoBarsError(QuantError):
    """The pinned dataset version holds no bars for the symbol."""


class EngineConfigError(QuantError):
    """The engine configuration (costs, sizing, fill timing) is invalid."""


def engine_config(config: dict[str, Any]) -> BacktestConfig:
    """``BacktestConfig`` from its fields as a dict; EngineConfigError names a bad field."""
    try:
        return BacktestConfig(**config)
    except ValidationError as err:
        e = err.errors()[0]
        raise EngineConfigError(f"{'.'.join(map(str, e['loc']))}: {e['msg']}") from None


def resolve_strategy(strategy: str) -> ModuleType:
    """A registered strategy name, or a dotted module path following the strategy protocol.

    Errors as ``quant.backtest.strategy.resolve`` (an import failure keeps its cause).
    """
    return strat.resolve(strategy)


def params_model(strategy: str) -> type[BaseModel]:
    """The pydantic Params model of a strategy (name or dotted module path)."""
    return resolve_strategy(strategy).Params


@dataclass(frozen=True)
class BarsRef:
    """One symbol of one pinned version of a bars dataset in a lake, optionally within dates."""

    lake: str
    dataset: str
    version: int
    symbol: str
    start: date | None = None  # first day kept (inclusive, UTC)
    end: date | None = None  # last day kept (inclusive, UTC)

    def load(self) -> BarArrays:
        """The symbol's bars of that version (within the dates), aligned for the engine."""
        import polars as pl

        from quant.data.store import DatasetStore  # here: workers on SavedBars never import it

        store = DatasetStore(self.lake)
        lf = store.scan(self.dataset, version=self.version).filter(pl.col("symbol") == self.symbol)
        if self.start is not None:
            lf = lf.filter(pl.col("ts") >= _utc(self.start))
        if self.end is not None:
            lf = lf.filter(pl.col("ts") < _utc(self.end) + timedelta(days=1))
        bars = lf.collect()
        if bars.height == 0:
            dates = f" between {self.start or 'the start'} and {self.end or 'the end'}"
            raise NoBarsError(
                f"{self.dataset} v{self.version} has no bars for symbol {self.symbol!r}"
                + (dates if self.start or self.end else "")
            )
        return from_frame(bars)


@dataclass(frozen=True)
class SavedBars:
    """Bars already loaded and written to a folder by ``save_arrays`` (a pool's workers map it)."""

    folder: str

    def load(self) -> BarArrays:
        """The bars, memory-mapped copy-on-write."""
        return load_arrays(self.folder)


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def slice_bars(bars: BarArrays, rng: BarRange) -> BarArrays:
    """Bars ``[start, end)`` (None = all)."""
    if rng is None:
        return bars
    s, e = rng
    names = [f.name for f in dataclasses.fields(bars) if f.name not in ("symbols", "extra")]
    cut = {n: np.ascontiguousarray(getattr(bars, n)[s:e]) for n in names}
    extra = {k: np.ascontiguousarray(v[s:e]) for k, v in bars.extra.items()}
    return dataclasses.replace(bars, **cut, extra=extra)


class BacktestRunner:
    """Runs one strategy over (a bar range of) loaded bars; deterministic per call."""

    def __init__(self, strategy: str, bars: BarArrays, config: dict[str, Any]) -> None:
        self.module = resolve_strategy(strategy)
        self.bars = bars
        self.config = engine_config(config)

    @property
    def n_bars(self) -> int:
        """Number of loaded bars."""
        return self.bars.shape[0]

    def result(self, params: dict[str, Any], bars: BarRange = None) -> BacktestResult:
        """The engine's BacktestResult over bars ``[start, end)`` (None = all)."""
        return run_backtest(self.module, slice_bars(self.bars, bars), params, self.config)

    def metrics(self, params: dict[str, Any], bars: BarRange = None) -> dict[str, Any]:
        """Metrics dict of one run (the evaluator of the search)."""
        return self.result(params, bars).metrics.to_dict()

    def records(self, params: dict[str, Any], bars: BarRange = None) -> Records:
        """Records of one run (walk-forward's test side)."""
        r = self.result(params, bars)
        return Records(r.equity, r.ts, r.trades, r.fills, r.exposure)

    def decisions(self, params: dict[str, Any]) -> Callable[[int], np.ndarray]:
        """``prefix length -> targets`` for the lookahead guard."""
        return lambda n: np.asarray(self.result(params, (0, n)).targets)

    def features(self, params: dict[str, Any]) -> Callable[[int], np.ndarray]:
        """``prefix length -> features[n, S, K]`` (what ``decide`` sees) for the lookahead guard."""
        return lambda n: strategy_features(self.module, slice_bars(self.bars, (0, n)), params)


@dataclass(frozen=True)
class BacktestFactory:
    """Picklable recipe: each process loads the pinned bars once and runs the engine."""

    strategy: str
    bars: BarsRef | SavedBars
    config: dict[str, Any] = field(default_factory=dict)
    # the loaded bars, kept for this process only (never pickled, compared or printed)
    _loaded: dict[str, BarArrays] = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__ | {"_loaded": {}}

    def arrays(self) -> BarArrays:
        """The bars, loaded on the first call in this process."""
        if "bars" not in self._loaded:
            self._loaded["bars"] = self.bars.load()
        return self._loaded["bars"]

    def runner(self) -> BacktestRunner:
        """A runner over the bars (loaded once per process)."""
        return BacktestRunner(self.strategy, self.arrays(), self.config)

    def for_workers(self, folder: str) -> BacktestFactory:
        """The recipe local workers get: these bars saved to ``folder`` as ``.npy`` files."""
        save_arrays(self.arrays(), folder)
        return BacktestFactory(self.strategy, SavedBars(folder), self.config)

    def build(self) -> Evaluator:
        """``(params, bar range) -> metrics dict`` over the loaded bars."""
        return self.runner().metrics
