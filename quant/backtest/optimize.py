"""Optimise a strategy's parameters on pinned bars: grid or genetic, optionally walk-forward.

``run_optimization`` resolves the bars version once (so every worker reads the same
version), keeps the bars within the request's ``start``/``end`` dates (inclusive), builds the
parameter space from ``--grid`` specs checked against the strategy's
Params bounds (the genetic search adds every other bounded field), runs the search in a
pool of ``workers`` spawned processes (or on a Dask cluster: ``executor``) and returns an
``Optimization``. The same request and seed give identical candidates and fitness whatever
the number of workers or the executor; ``run_id`` is a hash of the request (workers and
executor excluded), so re-writing a run replaces its rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from quant.backtest import cli_args
from quant.backtest.dask_pool import parse_executor
from quant.backtest.evaluate import BarRange, EvaluationPool
from quant.backtest.runner import BacktestFactory, BarsRef, engine_config, params_model
from quant.backtest.search import (
    GeneticSettings,
    SearchResult,
    check_objective,
    genetic_search,
    grid_search,
)
from quant.backtest.space import ParamSpace, build_space
from quant.backtest.walkforward import WalkForwardResult, walk_forward, walk_forward_windows
from quant.data.store import DatasetStore


class OptimizeRequest(BaseModel):
    """What to optimise, on which bars, how; the dataset version is pinned when run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: str
    symbol: str
    dataset: str = "bars_1d"
    version: int | None = None  # None = latest at the time of the run
    grid: tuple[str, ...] = ()
    params: dict[str, Any] = Field(default_factory=dict)  # fixed, never searched
    genetic: bool = False
    population: int = Field(20, ge=2)
    generations: int = Field(10, ge=1)
    seed: int = 0
    objective: str = "sharpe"
    walk_forward: tuple[int, int] | None = None  # (train bars, test bars)
    workers: int = Field(1, ge=1)
    executor: str = "local"  # local | dask | dask:ADDR (quant.backtest.dask_pool)
    config: dict[str, Any] = Field(default_factory=dict)  # BacktestConfig fields (costs, sizing)
    start: date | None = None  # first bar date (inclusive, UTC); None = from the first bar
    end: date | None = None  # last bar date (inclusive, UTC); None = to the last bar

    @property
    def method(self) -> str:
        """``genetic`` or ``grid``."""
        return "genetic" if self.genetic else "grid"


@dataclass(frozen=True)
class Optimization:
    """The outcome of one request: a full-sample search or a walk-forward."""

    request: OptimizeRequest
    run_id: str
    bars_version: int
    n_bars: int
    space: ParamSpace
    search: SearchResult | None = None
    walk: WalkForwardResult | None = None

    @property
    def best_params(self) -> dict[str, Any]:
        """Best parameters of the full-sample search, or of the last walk-forward window."""
        if self.search is not None:
            return dict(self.search.best.params)
        assert self.walk is not None
        return dict(self.walk.windows[-1].search.best.params)


def engine_options(
    cash: float,
    sizing: str,
    fees: str | None,
    slippage: str | None,
    fill_timing: str,
    allow_short: bool,
) -> dict[str, Any]:
    """Engine config (BacktestConfig fields) from `quant backtest`-style option strings.

    ``fees`` / ``slippage`` None mean the default costs; the resolved values are always part
    of the dict (so the run id changes if the defaults ever do).
    """
    cfg = {
        "cash": cash,
        "sizing": cli_args.parse_sizing(sizing).model_dump(),
        "fees": cli_args.parse_fees(fees).model_dump(),
        "slippage": cli_args.parse_slippage(slippage).model_dump(),
        "fill_timing": fill_timing,
        "allow_short": allow_short,
    }
    return engine_config(cfg).model_dump(mode="json", include=set(cfg))


def run_id_of(request: OptimizeRequest, bars_version: int) -> str:
    """Stable id of a run: sha256 of the request with the pinned version (where it ran excluded:
    workers, executor)."""
    body = request.model_dump(mode="json", exclude={"workers", "executor"})
    body |= {"version": bars_version}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


def build_request_space(request: OptimizeRequest) -> ParamSpace:
    """The searched space: grid specs, plus every bounded field for the genetic search."""
    model = params_model(request.strategy)
    return build_space(model, request.grid, from_bounds=request.genetic, fixed=request.params)


def _searcher(
    request: OptimizeRequest, space: ParamSpace
) -> Callable[[EvaluationPool, BarRange], SearchResult]:
    cfg = GeneticSettings(population=request.population, generations=request.generations)

    def search(pool: EvaluationPool, bars: BarRange) -> SearchResult:
        if request.genetic:
            return genetic_search(space, pool, request.seed, request.objective, cfg, bars)
        return grid_search(space, pool, request.objective, bars)

    return search


def run_optimization(
    lake: str | Path, request: OptimizeRequest, progress: Callable[[int], object] | None = None
) -> Optimization:
    """Run the request against the lake (bars read by version; nothing written).

    ``progress`` (optional) is called with 1 after every evaluated parameter set.
    """
    check_objective(request.objective)
    parse_executor(request.executor)
    engine_config(request.config)  # fail before any work on a bad config
    space = build_request_space(request)
    store = DatasetStore(lake)
    version = store.resolve(request.dataset, version=request.version)
    factory = BacktestFactory(
        request.strategy,
        BarsRef(str(lake), request.dataset, version, request.symbol, request.start, request.end),
        dict(request.config),
    )
    search = _searcher(request, space)
    run_id = run_id_of(request, version)
    runner = factory.runner()
    if request.walk_forward is None:
        with EvaluationPool(factory, request.workers, progress, request.executor) as pool:
            found = search(pool, None)
        return Optimization(request, run_id, version, runner.n_bars, space, search=found)
    windows = walk_forward_windows(runner.n_bars, *request.walk_forward)
    with EvaluationPool(factory, request.workers, progress, request.executor) as pool:
        walk = walk_forward(search, pool, runner, windows)
    return Optimization(request, run_id, version, runner.n_bars, space, walk=walk)
