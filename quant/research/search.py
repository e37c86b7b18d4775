"""``optimize``, ``walk_forward`` and ``check_lookahead`` on a dataset of the active lake.

Thin layers over :func:`quant.backtest.optimize.run_optimization` and
:func:`quant.backtest.lookahead.check_lookahead`, built exactly as ``quant optimize`` and
``quant check-lookahead`` build them (same request, same run id, same numbers). Results are
not written to the lake; ``Optimization.save()`` writes them as the CLI does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from quant.backtest.lookahead import LookaheadReport
from quant.backtest.lookahead import check_lookahead as _check
from quant.backtest.optimize import Optimization as _Opt
from quant.backtest.optimize import OptimizeRequest, engine_options, run_optimization
from quant.backtest.optimize_results import summary, write_optimization
from quant.research import datasets as lk
from quant.research.tables import frame_html, mapping_frame, one_row

Grid = Mapping[str, str] | Sequence[str]


def _grid(grid: Grid | None) -> tuple[str, ...]:
    if grid is None:
        return ()
    if isinstance(grid, Mapping):
        return tuple(f"{k}={v}" for k, v in grid.items())
    return tuple(grid)


def _engine(costs: Mapping[str, Any]) -> dict[str, Any]:
    c = {
        "cash": 100_000.0,
        "sizing": "fraction:1",
        "fees": None,
        "slippage": None,
        "fill_timing": "next_open",
        "allow_short": False,
    } | dict(costs)
    return engine_options(**c)


@dataclass(frozen=True)
class Optimization:
    """A search (or walk-forward) result: every candidate, the best, figures."""

    run: _Opt

    @property
    def best_params(self) -> dict[str, Any]:
        """Best parameters (full-sample search, or the last walk-forward window)."""
        return self.run.best_params

    @cached_property
    def candidates(self) -> pl.DataFrame:
        """Every evaluated candidate: params, objective, fitness and all metrics."""
        assert self.run.search is not None, "a walk-forward has windows, not candidates"
        return pl.DataFrame(
            [
                {
                    "candidate": c.index,
                    "generation": c.generation,
                    **c.params,
                    "fitness": c.fitness,
                    **c.metrics,
                }
                for c in self.run.search.candidates
            ],
            infer_schema_length=None,
        )

    @cached_property
    def windows(self) -> pl.DataFrame:
        """Walk-forward windows: bar ranges, dates, chosen params, train and test objective."""
        assert self.run.walk is not None, "not a walk-forward run"
        obj = self.run.request.objective
        ts = _bar_ts(self.run)
        rows = []
        for wr in self.run.walk.windows:
            w = wr.window
            rows.append(
                {
                    "window": w.index,
                    "train_start": ts[w.train_start],
                    "test_start": ts[w.test_start],
                    "test_end": ts[w.test_end - 1],
                    **wr.search.best.params,
                    f"train_{obj}": wr.search.best.metrics.get(obj),
                    f"test_{obj}": wr.test_metrics.to_dict().get(obj),
                }
            )
        return pl.DataFrame(rows, infer_schema_length=None)

    @cached_property
    def metrics(self) -> pl.DataFrame:
        """Walk-forward: stitched out-of-sample metrics; search: the best candidate's."""
        if self.run.walk is not None:
            return one_row(self.run.walk.stitched.to_dict())
        return one_row(self.run.search.best.metrics)  # type: ignore[union-attr]

    def summary(self, top: int = 10) -> dict[str, Any]:
        """The summary ``quant optimize --json`` prints (minus the written version)."""
        return summary(self.run, top)

    def save(self) -> int:
        """Write the results to the ``optimizations`` dataset as the CLI does; the version."""
        return write_optimization(lk.store(), self.run).version

    def heatmap(self, x: str | None = None, y: str | None = None) -> Any:
        """Objective over two searched parameters (plotly Figure; default: the first two)."""
        from quant.research import figures

        names = list(self.run.space.names)
        x, y = x or names[0], y or names[1]
        return figures.heatmap_figure(self.candidates, x, y, self.run.request.objective)

    def plot(self) -> Any:
        """Walk-forward windows and the stitched equity (plotly Figure)."""
        from quant.research import figures

        return figures.walk_forward_figure(self)

    def __repr__(self) -> str:
        req = self.run.request
        return f"Optimization({req.method} {req.strategy} on {req.symbol}: best {self.best_params})"

    def _repr_html_(self) -> str:
        req = self.run.request
        title = (
            f"{req.method} {req.strategy} on {req.symbol} ({req.dataset} "
            f"v{self.run.bars_version}), objective {req.objective}"
        )
        body = self.windows if self.run.walk is not None else pl.DataFrame(summary(self.run)["top"])
        return frame_html(mapping_frame({"best params": self.best_params}), title) + frame_html(
            body
        )


def _bar_ts(run: _Opt) -> list[Any]:
    req = run.request
    bars = lk.load(req.dataset, req.symbol, req.start, req.end, version=run.bars_version)
    return bars.sort("ts")["ts"].to_list()


def optimize(
    strategy: str,
    symbol: str,
    grid: Grid | None = None,
    *,
    dataset: str = "bars_1d",
    version: int | None = None,
    tag: str | None = None,
    params: Mapping[str, Any] | None = None,
    objective: str = "sharpe",
    genetic: bool = False,
    population: int = 20,
    generations: int = 10,
    seed: int = 0,
    start: str | date | None = None,
    end: str | date | None = None,
    workers: int = 1,
    walk: tuple[int, int] | None = None,
    **costs: Any,
) -> Optimization:
    """Grid (``grid={"fast": "5:20:5"}``) or genetic search of a strategy's parameters on one
    symbol of a pinned dataset version; ``walk=(train, test)`` bars makes it walk-forward."""
    request = OptimizeRequest(
        strategy=strategy,
        symbol=symbol,
        dataset=dataset,
        version=lk.store().resolve(dataset, version=version, tag=tag),
        grid=_grid(grid),
        params=dict(params or {}),
        genetic=genetic,
        population=population,
        generations=generations,
        seed=seed,
        objective=objective,
        walk_forward=walk,
        workers=workers,
        config=_engine(costs),
        start=lk._day(start),
        end=lk._day(end),
    )
    return Optimization(run_optimization(lk.lake().path, request))


def walk_forward(
    strategy: str, symbol: str, grid: Grid, train: int, test: int, **kwargs: Any
) -> Optimization:
    """Optimise on rolling ``train``-bar windows, test each best on the next ``test`` bars."""
    return optimize(strategy, symbol, grid, walk=(train, test), **kwargs)


@dataclass(frozen=True)
class Lookahead:
    """The guard's report: ``ok``, ``verdict`` and where a leak is."""

    report: LookaheadReport
    strategy: str

    @property
    def ok(self) -> bool:
        """True when no truncation changed a past decision or feature."""
        return self.report.ok

    @property
    def verdict(self) -> str:
        """One sentence: what was found or what was checked."""
        return self.report.verdict()

    def __repr__(self) -> str:
        return f"Lookahead({self.strategy}: {self.verdict})"

    def _repr_html_(self) -> str:
        d = self.report.to_dict()
        d.pop("prefixes")
        d.pop("details", None)
        return frame_html(mapping_frame(d), f"lookahead guard: {self.strategy}")


def check_lookahead(
    strategy: str,
    symbol: str,
    params: Mapping[str, Any] | None = None,
    *,
    dataset: str = "bars_1d",
    version: int | None = None,
    tag: str | None = None,
    checks: int = 8,
    fill_timing: str = "next_open",
    allow_short: bool = False,
) -> Lookahead:
    """Re-run the strategy on truncated histories (as ``quant check-lookahead``)."""
    from quant.backtest.lookahead import streaming_check
    from quant.backtest.runner import BacktestFactory, BarsRef, params_model

    p = params_model(strategy)(**dict(params or {})).model_dump()
    ref = BarsRef(
        str(lk.lake().path), dataset, lk.store().resolve(dataset, version=version, tag=tag), symbol
    )
    cfg = _engine({"fill_timing": fill_timing, "allow_short": allow_short})
    runner = BacktestFactory(strategy, ref, cfg).runner()
    report = _check(
        runner.decisions(p),
        runner.n_bars,
        n_checks=checks,
        features=runner.features(p),
        extra_check=streaming_check(runner.module, runner.bars, p),
    )
    return Lookahead(report, strategy)


def stitched_equity(opt: Optimization) -> np.ndarray:
    """The walk-forward's stitched out-of-sample equity curve."""
    assert opt.run.walk is not None
    return opt.run.walk.stitched_equity
