"""Bayesian Sharpe ratio of a backtest: Student-t per-bar returns (zero-inflated) in PyMC.

Model: a zero-inflated Student-t. A bar with exactly zero return (flat, equity unchanged)
has probability p_flat ~ Beta(1, 1); the other returns, standardised as
z = (r - mean) / sd, follow
    mu ~ Normal(0, 1),  sigma ~ HalfNormal(2),  nu - 2 ~ Exponential(1/30),
    z_t ~ StudentT(nu, mu, sigma).
The return mean is (1 - p_flat) mu_r and its variance (1 - p_flat)(v_r + mu_r^2) - mean^2,
with mu_r, v_r = sigma_r^2 nu / (nu - 2) the Student-t moments in return units (finite
since nu > 2). Sharpe = mean / sqrt(variance), annualised by sqrt(periods_per_year); zero
risk-free rate, like quant.backtest.metrics. Summary: posterior mean, median, sd, the
equal-tailed credible interval, P(Sharpe > 0), r-hat and bulk ESS. Sampling is PyMC's NUTS
on one core with ``random_seed``: the same seed and data give an identical summary. nutpie is
not a dependency (not measured here: not installed).

``RUN_ID`` of a stored backtest: ``STRATEGY:SYMBOLS`` (the key of a ``backtests`` row, e.g.
``pairs_spread:NDX``); its per-bar returns come from the stored equity curve.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from quant.errors import QuantError


class SharpeInputError(QuantError):
    """Too few or constant returns, or no stored backtest under that run id."""


@dataclass(frozen=True)
class SharpeSettings:
    """Sampler settings: draws and tuning steps per chain, chains, seed, credible mass."""

    draws: int = 1000
    tune: int = 1000
    chains: int = 2
    seed: int = 0
    mass: float = 0.94
    periods_per_year: float = 252.0
    progressbar: bool = False  # PyMC's sampling progress bar (on stdout); the CLI on a terminal


def returns_from_equity(equity: np.ndarray) -> np.ndarray:
    """Simple per-bar returns of an equity curve (as quant.backtest.metrics)."""
    e = np.asarray(equity, dtype=np.float64)
    return e[1:] / e[:-1] - 1.0


def sharpe_posterior(
    returns: np.ndarray, settings: SharpeSettings = SharpeSettings()
) -> tuple[dict[str, Any], Any]:
    """Sample the model -> (summary dict, ArviZ InferenceData with ``sharpe`` in the posterior)."""
    import arviz as az
    import pymc as pm

    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    active = r[r != 0.0]  # a flat strategy's equity does not move: exactly 0 returns
    if len(active) < 10 or float(np.std(active)) == 0.0:
        raise SharpeInputError(
            f"Sharpe posterior: need >= 10 non-constant non-zero returns, got {len(active)}"
        )
    m, s = float(np.mean(active)), float(np.std(active, ddof=1))
    ann = math.sqrt(settings.periods_per_year)
    with pm.Model():
        p_flat = pm.Beta("p_flat", 1.0, 1.0)
        pm.Binomial("n_flat", n=len(r), p=p_flat, observed=len(r) - len(active))
        mu = pm.Normal("mu", 0.0, 1.0)
        sigma = pm.HalfNormal("sigma", 2.0)
        nu = pm.Deterministic("nu", 2.0 + pm.Exponential("nu_minus_2", 1.0 / 30.0))
        pm.StudentT("z", nu=nu, mu=mu, sigma=sigma, observed=(active - m) / s)
        mu_t = m + s * mu
        var_t = (s * sigma) ** 2 * nu / (nu - 2.0)
        mean_r = (1.0 - p_flat) * mu_t
        var_r = (1.0 - p_flat) * (var_t + mu_t**2) - mean_r**2
        pm.Deterministic("sharpe", ann * mean_r / pm.math.sqrt(var_r))
        idata = pm.sample(
            draws=settings.draws, tune=settings.tune, chains=settings.chains, cores=1,
            random_seed=settings.seed, progressbar=settings.progressbar,
            compute_convergence_checks=False,
        )  # fmt: skip
    post = idata.posterior["sharpe"].values.ravel()
    lo_q, hi_q = (1 - settings.mass) / 2, 1 - (1 - settings.mass) / 2
    summary = {
        "sharpe_mean": float(np.mean(post)),
        "sharpe_median": float(np.median(post)),
        "sharpe_sd": float(np.std(post, ddof=1)),
        f"ci{round(settings.mass * 100)}_low": float(np.quantile(post, lo_q)),
        f"ci{round(settings.mass * 100)}_high": float(np.quantile(post, hi_q)),
        "p_sharpe_gt_0": float(np.mean(post > 0.0)),
        "sample_sharpe": ann * float(np.mean(r)) / float(np.std(r, ddof=1)),
        "n_returns": len(r),
        "r_hat": _finite_or_none(float(az.rhat(idata, var_names=["sharpe"])["sharpe"])),
        "ess_bulk": float(az.ess(idata, var_names=["sharpe"])["sharpe"]),
        "draws": settings.draws,
        "chains": settings.chains,
        "seed": settings.seed,
    }
    return summary, idata


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None  # r-hat is undefined for one chain


def save_trace(lake: str | Path, run_id: str, summary: dict[str, Any], idata: Any) -> Path:
    """Write the trace (netCDF) and summary (JSON) as checksummed artefacts under the lake."""
    from quant.models import artefacts

    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", run_id)
    base = Path(lake) / "_quant" / "models" / "sharpe" / f"{safe}_s{summary['seed']}"
    artefacts.save_json(
        base.with_suffix(".json"), summary, {"model": "sharpe_student_t", "version": 1}
    )
    return artefacts.save_netcdf(base.with_suffix(".nc"), idata)


def stored_equity(
    store: Any, run_id: str, version: int | None = None
) -> tuple[np.ndarray, dict[str, Any]]:
    """Equity curve and row of the stored backtest ``STRATEGY:SYMBOLS`` (``backtests`` dataset)."""
    import polars as pl

    from quant.backtest.results import DATASET

    strategy, sep, symbols = run_id.partition(":")
    if not sep or not strategy or not symbols:
        raise SharpeInputError(
            f"run id {run_id!r}: expected STRATEGY:SYMBOLS, e.g. sma_crossover:SPX"
        )
    if not store.exists(DATASET):
        raise SharpeInputError("no backtests are stored yet (the backtests dataset is missing)")
    v = store.resolve(DATASET, version=version)
    df = store.read(DATASET, version=v).filter(
        (pl.col("strategy") == strategy) & (pl.col("symbols") == symbols)
    )
    if df.height == 0:
        raise SharpeInputError(f"no stored backtest {run_id!r} in {DATASET} v{v}")
    row = df.row(0, named=True)
    equity = np.asarray(row["equity"], dtype=np.float64)
    info = {"run_id": run_id, "backtests_version": v, "bars_dataset": row["bars_dataset"],
            "bars_version": row["bars_version"], "stored_sharpe": row.get("sharpe")}  # fmt: skip
    return equity, info
