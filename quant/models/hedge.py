"""statsmodels fits for pairs: a rolling OLS hedge ratio and an AR(1) model of the spread.

Hedge ratio: for each bar t, OLS of the first leg's close y on a constant and the second
leg's close x over the ``window`` bars ending at t (inclusive; statsmodels ``RollingOLS``),
giving (alpha_t, beta_t) and the residual standard deviation. The value at t uses bars up to
t only, so a decision at t's close may use it. Spread_t = y_t - alpha_t - beta_t x_t.

Spread AR(1): ``ARIMA(order=(1, 0, 0))`` of a spread series fitted by exact maximum
likelihood; phi gives the mean-reversion half-life ln(0.5) / ln(phi) in bars. Its one-step
predictions are what the concept-drift check scores.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from quant.errors import QuantError


class ModelFitError(QuantError):
    """A model cannot be fitted to the data given (too short, misaligned, constant)."""


@dataclass(frozen=True)
class HedgeFit:
    """Per-bar rolling OLS output (float64[n], NaN during the warm-up)."""

    alpha: np.ndarray
    beta: np.ndarray
    resid_sd: np.ndarray
    window: int


def rolling_hedge_ratio(y: np.ndarray, x: np.ndarray, window: int) -> HedgeFit:
    """Rolling OLS y ~ 1 + x over ``window`` bars ending at each bar (prices, same length)."""
    from statsmodels.regression.rolling import RollingOLS

    y = np.ascontiguousarray(y, dtype=np.float64)
    x = np.ascontiguousarray(x, dtype=np.float64)
    if y.shape != x.shape or y.ndim != 1:
        raise ModelFitError(
            f"hedge ratio: legs must be 1-D of equal length, got {y.shape}, {x.shape}"
        )
    if window < 10 or len(y) < window:
        raise ModelFitError(
            f"hedge ratio: need window >= 10 and >= window bars, got {window}, {len(y)}"
        )
    if not (np.isfinite(y).all() and np.isfinite(x).all()):
        raise ModelFitError("hedge ratio: legs hold non-finite prices (align them on common bars)")
    exog = np.column_stack([np.ones_like(x), x])
    res = RollingOLS(y, exog, window=window).fit(params_only=False)
    params = np.asarray(res.params)
    resid_sd = np.sqrt(np.asarray(res.mse_resid, dtype=np.float64))
    return HedgeFit(
        alpha=np.ascontiguousarray(params[:, 0]),
        beta=np.ascontiguousarray(params[:, 1]),
        resid_sd=np.ascontiguousarray(resid_sd),
        window=window,
    )


def spread(y: np.ndarray, x: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """y - alpha - beta * x per bar (price units of y)."""
    return y - alpha - beta * x


@dataclass(frozen=True)
class ArFit:
    """AR(1) of a spread: s_t - c = phi (s_{t-1} - c) + e_t, Var e = sigma2."""

    const: float
    phi: float
    sigma2: float
    half_life: float  # bars; inf when phi <= 0 or phi >= 1
    nobs: int
    aic: float

    def to_dict(self) -> dict[str, float]:
        """Fields as plain floats (JSON-safe apart from inf)."""
        return {k: float(v) for k, v in asdict(self).items()}


def fit_spread_ar(s: np.ndarray) -> ArFit:
    """Fit AR(1) with a constant mean to the finite values of ``s`` (exact MLE, statsmodels)."""
    from statsmodels.tsa.arima.model import ARIMA

    z = np.asarray(s, dtype=np.float64)
    z = z[np.isfinite(z)]
    if len(z) < 30 or float(np.std(z)) == 0.0:
        raise ModelFitError(f"spread AR(1): need >= 30 non-constant values, got {len(z)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the fit is checked below
        res = ARIMA(z, order=(1, 0, 0), trend="c").fit()
    const, phi, sigma2 = (float(v) for v in res.params)
    hl = math.log(0.5) / math.log(phi) if 0.0 < phi < 1.0 else math.inf
    return ArFit(const, phi, sigma2, hl, int(res.nobs), float(res.aic))


def ar_predict(fit: ArFit, s: np.ndarray) -> np.ndarray:
    """One-step predictions c + phi (s_{t-1} - c); NaN at t = 0 or after a NaN."""
    pred = np.full(len(s), np.nan)
    pred[1:] = fit.const + fit.phi * (np.asarray(s[:-1], dtype=np.float64) - fit.const)
    return pred
