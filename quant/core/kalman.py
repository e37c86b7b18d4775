"""Kalman filters for the local-level and local-linear-trend models (state/step + batch).

Local level:  y_t = mu_t + eps_t,  mu_{t+1} = mu_t + xi_t;   Var eps = r, Var xi = q.
Local trend:  y_t = mu_t + eps_t,  mu_{t+1} = mu_t + nu_t + xi_t,  nu_{t+1} = nu_t + zeta_t;
              Var eps = r, Var xi = q_level, Var zeta = q_slope.
(Durbin & Koopman, *Time Series Analysis by State Space Methods*, ch. 2 and 3.)

Same contract as the indicators: ``*_init(params) -> state`` (a tuple of floats),
``*_step(state, y) -> (state, outputs...)``, batch functions that loop over the step.
Outputs are the *filtered* state (after seeing y_t), the innovation v_t = y_t - predicted
y_t and its variance F_t, so a caller can form the Gaussian log-likelihood
-0.5 * sum(log(2 pi F_t) + v_t^2 / F_t) over the finite innovations.

Initialisation: the level is diffuse and set exactly by the first finite observation
(level = y, variance r; that bar's innovation and variance are NaN). The trend model's
slope starts at 0 with a large variance ``slope_var0`` (approximately diffuse).

NaN policy (differs from the indicators on purpose): a non-finite observation is a
missing observation, so the filter *predicts* through it: the state advances, its
variance grows, the output is the prediction and v, F are NaN. Before the first finite
observation everything is NaN.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from quant.core.indicators.inputs import IndicatorInputError, positive, series
from quant.core.jit import njit


def _one_d(y: npt.ArrayLike) -> np.ndarray:
    a = series(y, "y")
    if a.ndim != 1:
        raise IndicatorInputError(f"y: the Kalman filters take one 1-D series, got shape {a.shape}")
    return a


# --------------------------------------------------------------------------- local level


@njit
def local_level_init(q: float, r: float) -> tuple:
    """State: (level, level variance, q, r, started flag as 0.0/1.0)."""
    return (np.nan, np.nan, q, r, 0.0)


@njit(inline="always")
def local_level_step(state: tuple, y: float) -> tuple:
    """Feed one observation; returns (state, filtered level, innovation, innovation var)."""
    level, p, q, r, started = state
    finite = math.isfinite(y)
    if started == 0.0:
        if not finite:
            return state, np.nan, np.nan, np.nan
        return (y, r, q, r, 1.0), y, np.nan, np.nan
    p_pred = p + q
    if not finite:
        return (level, p_pred, q, r, started), level, np.nan, np.nan
    v = y - level
    f = p_pred + r
    gain = p_pred / f
    level = level + gain * v
    p = p_pred * r / f
    return (level, p, q, r, started), level, v, f


@njit
def local_level_1d(y: np.ndarray, q: float, r: float) -> tuple:
    """Filtered level, innovations and their variances of a 1-D series (loop over the step)."""
    level = np.empty_like(y)
    v = np.empty_like(y)
    f = np.empty_like(y)
    state = local_level_init(q, r)
    for i in range(y.shape[0]):
        state, level[i], v[i], f[i] = local_level_step(state, y[i])
    return level, v, f


def local_level(y: npt.ArrayLike, q: float, r: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local-level Kalman filter -> (level, innovation, innovation variance), 1-D.

    ``q`` (level noise) and ``r`` (observation noise) are variances in units of y^2.
    """
    a = _one_d(y)
    q, r = positive("q", q), positive("r", r)
    return local_level_1d(a, q, r)


# --------------------------------------------------------------------------- local trend


@njit
def local_trend_init(q_level: float, q_slope: float, r: float, slope_var0: float = 1e7) -> tuple:
    """State: (level, slope, P00, P01, P11, q_level, q_slope, r, slope_var0, started)."""
    return (np.nan, 0.0, np.nan, 0.0, slope_var0, q_level, q_slope, r, slope_var0, 0.0)


@njit(inline="always")
def local_trend_step(state: tuple, y: float) -> tuple:
    """Feed one observation; returns (state, level, slope, innovation, innovation var)."""
    a0, a1, p00, p01, p11, ql, qs, r, s0, started = state
    finite = math.isfinite(y)
    if started == 0.0:
        if not finite:
            return state, np.nan, np.nan, np.nan, np.nan
        return (y, 0.0, r, 0.0, s0, ql, qs, r, s0, 1.0), y, 0.0, np.nan, np.nan
    a0p = a0 + a1
    a1p = a1
    p00p = p00 + 2.0 * p01 + p11 + ql
    p01p = p01 + p11
    p11p = p11 + qs
    if not finite:
        new = (a0p, a1p, p00p, p01p, p11p, ql, qs, r, s0, started)
        return new, a0p, a1p, np.nan, np.nan
    v = y - a0p
    f = p00p + r
    k0 = p00p / f
    k1 = p01p / f
    a0 = a0p + k0 * v
    a1 = a1p + k1 * v
    p00 = p00p * r / f
    p01 = p01p * r / f
    p11 = p11p - k1 * p01p
    return (a0, a1, p00, p01, p11, ql, qs, r, s0, started), a0, a1, v, f


@njit
def local_trend_1d(y: np.ndarray, q_level: float, q_slope: float, r: float, slope_var0: float):
    """Filtered level, slope, innovations and variances of a 1-D series (loop over the step)."""
    level = np.empty_like(y)
    slope = np.empty_like(y)
    v = np.empty_like(y)
    f = np.empty_like(y)
    state = local_trend_init(q_level, q_slope, r, slope_var0)
    for i in range(y.shape[0]):
        state, level[i], slope[i], v[i], f[i] = local_trend_step(state, y[i])
    return level, slope, v, f


def local_trend(
    y: npt.ArrayLike, q_level: float, q_slope: float, r: float, slope_var0: float = 1e7
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local-linear-trend Kalman filter -> (level, slope, innovation, innovation var), 1-D.

    Variances in units of y^2 (slope: (y per bar)^2); ``slope_var0`` is the initial slope
    variance (make it large relative to the squared slope scale for a diffuse start).
    """
    a = _one_d(y)
    q_level, q_slope, r = (
        positive("q_level", q_level),
        positive("q_slope", q_slope),
        positive("r", r),
    )
    s0 = positive("slope_var0", slope_var0)
    return local_trend_1d(a, q_level, q_slope, r, s0)
