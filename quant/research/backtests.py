"""``backtest`` and ``compare``: the engine's result with frames, lineage and plotly figures.

``backtest(strategy, bars_or_dataset, params, **costs)`` runs
:func:`quant.backtest.engine.run_backtest`; given a dataset name it loads the bars the way
``quant backtest`` does (:func:`quant.backtest.bars.load_bars`) and records the version read.
Cost keywords take the CLI's forms: ``fees="0.1"`` (percent), ``slippage="constant:2"``,
``sizing="fraction:1"``; every other keyword is a ``BacktestConfig`` field (``cash``,
``fill_timing``, ``allow_short``, ...). Same inputs, same numbers as ``quant backtest``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from quant.backtest import cli_args
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import BacktestResult, run_backtest
from quant.research import datasets as lk
from quant.research.tables import frame_html, one_row

Costs = Mapping[str, Any]


def config(**costs: Any) -> BacktestConfig:
    """A BacktestConfig from CLI-style ``fees``/``slippage``/``sizing`` and plain fields."""
    sizing = costs.pop("sizing", "fraction:1")
    fees, slippage = costs.pop("fees", None), costs.pop("slippage", None)
    if (
        isinstance(sizing, str)
        and (fees is None or isinstance(fees, str))
        and (slippage is None or isinstance(slippage, str))
    ):
        return cli_args.backtest_config(sizing, fees, slippage, **costs)
    fields = {"sizing": sizing, "fees": fees, "slippage": slippage} | costs
    return BacktestConfig(**{k: v for k, v in fields.items() if v is not None})


@dataclass(frozen=True)
class Backtest:
    """One backtest: the engine's result, the bars it ran on and where they came from."""

    result: BacktestResult
    bars: pl.DataFrame
    source: dict[str, Any] = field(default_factory=dict)  # dataset, version (if from the lake)

    @cached_property
    def metrics(self) -> pl.DataFrame:
        """One-row frame: strategy, symbols and every metric."""
        head = {"strategy": self.result.strategy, "symbols": ",".join(self.result.symbols)}
        return one_row(head | self.result.metrics.to_dict())

    @property
    def trades(self) -> pl.DataFrame:
        """Trades with symbol names and entry/exit timestamps."""
        return self.result.trades_frame()

    @property
    def fills(self) -> pl.DataFrame:
        """Fills with symbol names and timestamps."""
        return self.result.fills_frame()

    @property
    def equity(self) -> pl.DataFrame:
        """Per-bar ``ts``, ``equity``, ``drawdown`` (fraction below the peak), ``exposure``."""
        eq = self.result.equity
        return pl.DataFrame(
            {
                "ts": self.result.ts,
                "equity": eq,
                "drawdown": eq / np.maximum.accumulate(eq) - 1,
                "exposure": self.result.exposure,
            }
        ).with_columns(pl.from_epoch("ts", "ns").dt.replace_time_zone("UTC"))

    def lineage(self) -> dict[str, Any]:
        """What produced this result: strategy, params, costs, bars version and its checksum,
        code version, bar range."""
        from quant.data.store.metadata import code_version

        out: dict[str, Any] = {
            "strategy": self.result.strategy,
            "params": self.result.params,
            "symbols": list(self.result.symbols),
            "start": str(self.bars["ts"].min()),
            "end": str(self.bars["ts"].max()),
            "model": self.result.report,
            "code_version": code_version(),
        }
        if self.source:
            info = lk.version(self.source["dataset"], self.source["version"])
            out |= {
                **self.source,
                "checksum": info.checksum,
                "bars_lineage": info.lineage,
                "bars_code_version": info.code_version,
            }
        return out

    def plot(self) -> Any:
        """Price with entries and exits over equity and drawdown (plotly Figure)."""
        from quant.research import figures

        return figures.backtest_figure(self)

    def __repr__(self) -> str:
        m = self.result.metrics
        return (
            f"{type(self).__name__}({self.result.strategy} on {','.join(self.result.symbols)}: "
            f"sharpe={m.sharpe}, total_return={m.total_return:.4g}, trades={m.n_trades})"
        )

    def _repr_html_(self) -> str:
        src = self.source
        title = f"{self.result.strategy} on {', '.join(self.result.symbols)}"
        if src:
            title += f" ({src['dataset']} v{src['version']})"
        return frame_html(self.metrics, title)


def backtest(
    strategy: str,
    bars_or_dataset: pl.DataFrame | str,
    params: Mapping[str, Any] | None = None,
    *,
    symbols: str | Sequence[str] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    version: int | None = None,
    tag: str | None = None,
    **costs: Any,
) -> Backtest:
    """Backtest a strategy on a bars frame or a dataset of the active lake (see module doc)."""
    bars, source = bars_and_source(bars_or_dataset, symbols, start, end, version, tag)
    result = run_backtest(strategy, bars, params, config(**costs))
    return Backtest(result, bars, source)


def bars_and_source(
    bars_or_dataset: pl.DataFrame | str,
    symbols: str | Sequence[str] | None = None,
    start: str | date | None = None,
    end: str | date | None = None,
    version: int | None = None,
    tag: str | None = None,
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """The bars to run on and where they came from (``{dataset, version}``; {} for a frame)."""
    if not isinstance(bars_or_dataset, str):
        return bars_or_dataset, {}
    bars, v = lk.load_pinned(bars_or_dataset, symbols, start, end, version, tag)
    return bars, {"dataset": bars_or_dataset, "version": v}


@dataclass(frozen=True)
class Comparison:
    """Several backtests: metrics side by side, equity curves overlaid."""

    runs: list[Backtest]
    labels: list[str]

    @cached_property
    def metrics(self) -> pl.DataFrame:
        """One row per run (``run`` = its label)."""
        rows = [
            b.metrics.select(pl.lit(k).alias("run"), pl.all())
            for k, b in zip(self.labels, self.runs, strict=True)
        ]
        return pl.concat(rows, how="diagonal_relaxed")

    def plot(self) -> Any:
        """Equity curves of every run, overlaid (plotly Figure)."""
        from quant.research import figures

        return figures.compare_figure(self)

    def __repr__(self) -> str:
        return f"Comparison({self.labels})"

    def _repr_html_(self) -> str:
        return frame_html(self.metrics, f"{len(self.runs)} backtests")


def compare(runs: Sequence[Backtest] | Mapping[str, Backtest]) -> Comparison:
    """Compare backtests (a list, or label -> backtest)."""
    if isinstance(runs, Mapping):
        return Comparison(list(runs.values()), [str(k) for k in runs])
    labels = [
        f"{b.result.strategy} {','.join(b.result.symbols)} {_short(b.result.params)}" for b in runs
    ]
    return Comparison(list(runs), labels)


def _short(params: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in params.items())
