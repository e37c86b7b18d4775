"""Model readers and fits on the active lake: pair hedge ratio, anomalies, Sharpe posterior.

Thin layers over ``quant.models`` (``pairs_data``, ``anomalies``, ``anomaly_eval``,
``sharpe``): the same datasets and numbers as ``quant models ...`` and the Dagster assets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from quant.models import pairs_data
from quant.research import datasets as lk
from quant.research.tables import frame_html, one_row

#: Model datasets a lake can hold (as ``quant models list``).
MODEL_DATASETS = ("pairs_1d", "spread_ar", "bar_anomalies")


def list() -> pl.DataFrame:
    """Model datasets in the active lake: latest version, rows, lineage, code version, seed."""
    s = lk.store()
    rows = []
    for name in MODEL_DATASETS:
        if s.exists(name):
            i = s.version_info(name)
            rows.append(
                {
                    "dataset": name,
                    "version": i.version,
                    "rows": i.rows_total,
                    "model": i.extra.get("model", ""),
                    "seed": i.extra.get("seed", ""),
                    "lineage": str(i.lineage),
                    "code_version": i.code_version,
                }
            )
    return pl.DataFrame(rows)


def fit_pair(y: str, x: str, window: int = 60, train_fraction: float = 0.7) -> dict[str, Any]:
    """Fit ``y``'s rolling hedge ratio on ``x`` (``pairs_1d``) and its spread AR(1)
    (``spread_ar``) from the latest ``bars_1d``; the versions written and the AR fit."""
    s = lk.store()
    p = pairs_data.fit_pair(s, y, x, window=window)
    a = pairs_data.fit_ar(s, y, train_fraction=train_fraction)
    return {"pairs_1d": p.version, "spread_ar": a.version} | pairs_data.read_ar(s, y)


def pair(y: str, version: int | None = None) -> pl.DataFrame:
    """``pairs_1d`` rows of first leg ``y``: its bars, ``x_close`` and the hedge ratio."""
    return pairs_data.read_pair(lk.store(), y, version)[0]


def anomalies(
    symbol: str, dataset: str = "bars_1d", k: float = 4.0, zscore_window: int = 50
) -> pl.DataFrame:
    """Kalman anomaly flags on ``symbol``'s closes (known market events honoured) next to the
    baseline: ``zscore_flag`` = |rolling z of the one-bar log change| > k."""
    from quant.models.anomalies import detect
    from quant.models.anomaly_eval import zscore_flags

    out = detect(lk.load(dataset, symbol), k=k)
    z = zscore_flags(np.log(out["close"].to_numpy()), window=zscore_window, k=k)
    return out.with_columns(pl.Series("zscore_flag", z))


@dataclass(frozen=True)
class SharpePosterior:
    """Posterior of an annualised Sharpe ratio: summary, draws, figure."""

    summary: dict[str, Any]
    draws: np.ndarray

    def plot(self) -> Any:
        """Histogram of the posterior with its credible interval (plotly Figure)."""
        from quant.research import figures

        return figures.sharpe_posterior_figure(self.draws, self.summary)

    def __repr__(self) -> str:
        return f"SharpePosterior({self.summary})"

    def _repr_html_(self) -> str:
        return frame_html(one_row(self.summary), "Sharpe posterior")


def sharpe(
    run: Any, draws: int = 300, tune: int = 300, chains: int = 2, seed: int = 0
) -> SharpePosterior:
    """Sharpe posterior (Student-t returns, PyMC) of a backtest's equity (a ``Backtest`` or an
    equity array); keep ``draws``/``tune`` small in notebooks."""
    from quant.models.sharpe import SharpeSettings, returns_from_equity, sharpe_posterior

    equity = run.result.equity if hasattr(run, "result") else np.asarray(run, dtype=np.float64)
    ppy = run.result.config.periods_per_year if hasattr(run, "result") else 252.0
    summary, idata = sharpe_posterior(
        returns_from_equity(equity),
        SharpeSettings(draws, tune, chains, seed, periods_per_year=ppy),
    )
    return SharpePosterior(summary, idata.posterior["sharpe"].values.ravel())
