"""Range oscillators: stochastic (TA-Lib ``STOCH``) and Williams %R (TA-Lib ``WILLR``).

Both read the highest high and lowest low of the window from the rolling extremes of
:mod:`quant.core.indicators.extrema`. NaN policy as in :mod:`quant.core.indicators`:
a bar with any non-finite high/low/close is skipped (state unchanged, output NaN).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from quant.core.indicators.extrema import rolling_range_init, rolling_range_step
from quant.core.indicators.inputs import outputs, period, same_shape
from quant.core.indicators.moving import sma_init, sma_step
from quant.core.jit import njit

# --------------------------------------------------------------------------- STOCH


@njit
def stoch_init(fastk: int = 14, slowk: int = 3, slowd: int = 3) -> tuple:
    """State of the stochastic: (highest-high / lowest-low state, %K SMA, %D SMA)."""
    return (rolling_range_init(fastk), sma_init(slowk), sma_init(slowd))


@njit(inline="always")
def stoch_step(state: tuple, high: float, low: float, close: float) -> tuple:
    """Feed one bar; returns (state, slow %K, slow %D), NaN until %D is defined."""
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        return state, np.nan, np.nan
    range_st, k_st, d_st = state
    range_st, hh, ll = rolling_range_step(range_st, high, low)
    if math.isnan(hh):
        return (range_st, k_st, d_st), np.nan, np.nan
    diff = (hh - ll) / 100.0
    fast_k = (close - ll) / diff if diff != 0.0 else 0.0
    k_st, k = sma_step(k_st, fast_k)
    if math.isnan(k):
        return (range_st, k_st, d_st), np.nan, np.nan
    d_st, d = sma_step(d_st, k)
    if math.isnan(d):
        return (range_st, k_st, d_st), np.nan, np.nan
    return (range_st, k_st, d_st), k, d


@njit
def stoch_1d(
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    fastk: int,
    slowk: int,
    slowd: int,
    k: np.ndarray,
    d: np.ndarray,
) -> tuple:
    """Stochastic of 1-D high/low/close series (loop over :func:`stoch_step`)."""
    state = stoch_init(fastk, slowk, slowd)
    for i in range(close.shape[0]):
        state, k[i], d[i] = stoch_step(state, high[i], low[i], close[i])
    return k, d


@njit(parallel=True)
def stoch_2d(
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    fastk: int,
    slowk: int,
    slowd: int,
    k: np.ndarray,
    d: np.ndarray,
) -> tuple:
    """Stochastic per column of (bars x symbols) high/low/close (1-D kernel)."""
    for j in numba.prange(high.shape[1]):
        stoch_1d(high.T[j], low.T[j], close.T[j], fastk, slowk, slowd, k.T[j], d.T[j])
    return k, d


def stoch(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    fastk: int = 14,
    slowk: int = 3,
    slowd: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Slow stochastic -> (k, d), 0..100 (TA-Lib ``STOCH`` with SMA smoothing).

    fast %K = 100 (close - LL) / (HH - LL) over ``fastk`` bars (0 when HH == LL, as in
    TA-Lib); k = SMA(fast %K, slowk); d = SMA(k, slowd). Both start together once d is
    defined: warm-up fastk + slowk + slowd - 3 NaN (17 for 14/3/3). A bar with any
    non-finite high/low/close is skipped (output NaN, state unchanged).
    """
    h, lo, c = same_shape(high=high, low=low, close=close)
    f, sk, sd = period("fastk", fastk), period("slowk", slowk), period("slowd", slowd)
    out = outputs(c, 2)
    return (
        stoch_1d(h, lo, c, f, sk, sd, *out) if c.ndim == 1 else stoch_2d(h, lo, c, f, sk, sd, *out)
    )


# --------------------------------------------------------------------------- WILLR


@njit
def willr_init(n: int = 14) -> tuple:
    """State of Williams %R: the rolling highest-high / lowest-low state."""
    return rolling_range_init(n)


@njit(inline="always")
def willr_value(hh: float, ll: float, close: float) -> float:
    """%R from the window's highest high and lowest low, as TA-Lib 0.6 computes it.

    ``((hh - close) / (hh - ll)) * -100`` (one division), clamped to [-100, 0]; 0 when
    the range is below 1e-14 of the prices' size (a flat window).
    """
    diff = hh - ll
    if (abs(hh) + abs(ll)) * 1e-14 >= abs(diff):
        return 0.0
    value = ((hh - close) / diff) * -100.0
    if value > 0.0:
        return 0.0
    return -100.0 if value < -100.0 else value


@njit(inline="always")
def willr_step(state: tuple, high: float, low: float, close: float) -> tuple:
    """Feed one bar; returns (state, %R in [-100, 0] or NaN during warm-up)."""
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        return state, np.nan
    state, hh, ll = rolling_range_step(state, high, low)
    if math.isnan(hh):
        return state, np.nan
    return state, willr_value(hh, ll, close)


@njit
def willr_1d(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int, out: np.ndarray
) -> np.ndarray:
    """Williams %R of 1-D high/low/close series (loop over :func:`willr_step`)."""
    state = willr_init(n)
    for i in range(close.shape[0]):
        state, out[i] = willr_step(state, high[i], low[i], close[i])
    return out


@njit(parallel=True)
def willr_2d(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int, out: np.ndarray
) -> np.ndarray:
    """Williams %R per column of (bars x symbols) high/low/close (1-D kernel)."""
    for j in numba.prange(high.shape[1]):
        willr_1d(high.T[j], low.T[j], close.T[j], n, out.T[j])
    return out


def willr(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, n: int = 14) -> np.ndarray:
    """Williams %R = -100 (HH - close) / (HH - LL) over n bars (TA-Lib ``WILLR``).

    Range -100..0, computed as TA-Lib 0.6 does (one division, clamped; 0 when HH - LL
    is below 1e-14 of the prices), so the values equal TA-Lib's bit for bit. Warm-up
    n-1 NaN. A bar with any non-finite high/low/close is skipped (output NaN, state
    unchanged).
    """
    h, lo, c = same_shape(high=high, low=low, close=close)
    n = period("n", n)
    out = outputs(c)
    return willr_1d(h, lo, c, n, *out) if c.ndim == 1 else willr_2d(h, lo, c, n, *out)
