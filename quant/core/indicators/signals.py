"""Signals and transforms: crossover / crossunder (boolean events) and log returns.

NaN policy as in :mod:`quant.core.indicators`: a bar with a non-finite input leaves the
state unchanged; crossings compare against the last bar where both inputs were valid.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from quant.core.indicators.inputs import outputs, same_shape, series
from quant.core.jit import njit

# --------------------------------------------------------------------------- crossings


@njit
def cross_init() -> tuple:
    """State of a crossing detector: (previous a, previous b, has a previous valid bar)."""
    return (np.nan, np.nan, False)


@njit(inline="always")
def crossover_step(state: tuple, a: float, b: float) -> tuple:
    """Feed one bar; returns (state, True iff a > b now and a <= b on the last valid bar)."""
    prev_a, prev_b, has_prev = state
    if not (math.isfinite(a) and math.isfinite(b)):
        return state, False
    hit = has_prev and a > b and prev_a <= prev_b
    return (a, b, True), hit


@njit(inline="always")
def crossunder_step(state: tuple, a: float, b: float) -> tuple:
    """Feed one bar; returns (state, True iff a < b now and a >= b on the last valid bar)."""
    prev_a, prev_b, has_prev = state
    if not (math.isfinite(a) and math.isfinite(b)):
        return state, False
    hit = has_prev and a < b and prev_a >= prev_b
    return (a, b, True), hit


@njit
def crossover_1d(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Crossover events of 1-D series (loop over :func:`crossover_step`)."""
    state = cross_init()
    for i in range(a.shape[0]):
        state, out[i] = crossover_step(state, a[i], b[i])
    return out


@njit(parallel=True)
def crossover_2d(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Crossover events of each column of (bars x symbols) arrays (1-D kernel per column)."""
    for j in numba.prange(a.shape[1]):
        crossover_1d(a.T[j], b.T[j], out.T[j])
    return out


@njit
def crossunder_1d(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Crossunder events of 1-D series (loop over :func:`crossunder_step`)."""
    state = cross_init()
    for i in range(a.shape[0]):
        state, out[i] = crossunder_step(state, a[i], b[i])
    return out


@njit(parallel=True)
def crossunder_2d(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Crossunder events of each column of (bars x symbols) arrays (1-D kernel per column)."""
    for j in numba.prange(a.shape[1]):
        crossunder_1d(a.T[j], b.T[j], out.T[j])
    return out


def crossover(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Boolean array: True on bars where ``a`` crosses above ``b`` (a > b, previously a <= b).

    "Previously" is the last bar where both were finite; the first valid bar and bars
    with a non-finite input are False (a boolean has no NaN). Pass a scalar-filled
    array for ``b`` to test a level.
    """
    x, y = same_shape(a=a, b=b)
    out = outputs(x, 1, dtype=np.bool_)
    return crossover_1d(x, y, *out) if x.ndim == 1 else crossover_2d(x, y, *out)


def crossunder(a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
    """Boolean array: True on bars where ``a`` crosses below ``b`` (a < b, previously a >= b).

    Same conventions as :func:`crossover`.
    """
    x, y = same_shape(a=a, b=b)
    out = outputs(x, 1, dtype=np.bool_)
    return crossunder_1d(x, y, *out) if x.ndim == 1 else crossunder_2d(x, y, *out)


# --------------------------------------------------------------------------- log returns


@njit
def log_returns_init() -> tuple:
    """State of log returns: (last valid price,)."""
    return (np.nan,)


@njit(inline="always")
def log_returns_step(state: tuple, x: float) -> tuple:
    """Feed one price; returns (state, log(x / last valid price) or NaN on the first bar)."""
    (prev,) = state
    if not (math.isfinite(x) and x > 0.0):
        return state, np.nan
    value = math.log(x / prev) if not math.isnan(prev) else np.nan
    return (x,), value


@njit
def log_returns_1d(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Log returns of a 1-D price series (loop over :func:`log_returns_step`)."""
    state = log_returns_init()
    for i in range(x.shape[0]):
        state, out[i] = log_returns_step(state, x[i])
    return out


@njit(parallel=True)
def log_returns_2d(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Log returns of each column of a (bars x symbols) price array (1-D kernel per column)."""
    for j in numba.prange(x.shape[1]):
        log_returns_1d(x.T[j], out.T[j])
    return out


def log_returns(x: npt.ArrayLike) -> np.ndarray:
    """Log returns ``log(x[t] / x[t-1])`` (natural log, unitless); warm-up 1 NaN.

    Non-finite or non-positive prices are skipped: the output there is NaN and the next
    return is taken from the last valid price (it spans the gap).
    """
    a = series(x)
    out = outputs(a)
    return log_returns_1d(a, *out) if a.ndim == 1 else log_returns_2d(a, *out)
