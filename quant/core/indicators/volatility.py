"""Volatility: ATR (TA-Lib ``ATR``), rolling population std (TA-Lib ``STDDEV``), z-score,
Bollinger bands (TA-Lib ``BBANDS``).

Rolling moments keep sums of deviations from a shift (a recent bar) updated by adding
the new bar and removing the one leaving, and re-centre and re-compute them exactly from
the ring buffer every n bars (amortised O(1)), so rounding drift is bounded, large price
levels cause no cancellation, and n equal bars have a standard deviation of exactly 0.
NaN policy as in :mod:`quant.core.indicators`.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from quant.core.exactmath import fma
from quant.core.indicators.inputs import outputs, period, positive, same_shape, series
from quant.core.indicators.moving import RESYNC_SLACK, window_sum
from quant.core.jit import njit

# --------------------------------------------------------------------------- ATR


@njit
def atr_init(n: int) -> tuple:
    """State of an n-bar ATR: (n, valid bars seen, previous close, seed sum, ATR)."""
    return (n, 0, np.nan, 0.0, np.nan)


@njit(inline="always")
def atr_step(state: tuple, high: float, low: float, close: float) -> tuple:
    """Feed one bar; returns (state, ATR or NaN during the n-bar warm-up)."""
    n, count, prev_close, total, value = state
    if not (math.isfinite(high) and math.isfinite(low) and math.isfinite(close)):
        return state, np.nan
    if count == 0:
        return (n, 1, close, total, value), np.nan
    tr = max(max(high - low, abs(prev_close - high)), abs(prev_close - low))
    if count <= n:
        total += tr
        count += 1
        if count <= n:
            return (n, count, close, total, value), np.nan
        value = total / n
    else:
        # TA-Lib's Wilder step, bit for bit: atr*k + tr*(1-k), k = (n-1)/n, fused (one
        # rounding, as TA-Lib's FMA build computes it); one fma on the bar-to-bar chain
        k = (n - 1) / n
        value = fma(value, k, tr * (1.0 - k))
    return (n, count, close, total, value), value


@njit
def atr_1d(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int, out: np.ndarray
) -> np.ndarray:
    """ATR of 1-D high/low/close series (loop over :func:`atr_step`)."""
    state = atr_init(n)
    for i in range(close.shape[0]):
        state, out[i] = atr_step(state, high[i], low[i], close[i])
    return out


@njit(parallel=True)
def atr_2d(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int, out: np.ndarray
) -> np.ndarray:
    """ATR per column of (bars x symbols) high/low/close (1-D kernel)."""
    for j in numba.prange(high.shape[1]):
        atr_1d(high.T[j], low.T[j], close.T[j], n, out.T[j])
    return out


def atr(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, n: int = 14) -> np.ndarray:
    """Average true range (TA-Lib ``ATR``: SMA of the first n true ranges, then Wilder).

    True range = max(high-low, |prev close-high|, |prev close-low|), from the second bar.
    Wilder step ``atr = fma(atr, k, tr*(1-k))``, k = (n-1)/n, rounded once: TA-Lib's own
    step on CPUs with FMA, so the values equal TA-Lib's bit for bit there (its build
    without FMA rounds twice, ~1e-15 apart). Warm-up: n NaN. Units: price. A bar with
    any non-finite input is skipped.
    """
    h, lo, c = same_shape(high=high, low=low, close=close)
    n = period("n", n)
    out = outputs(c)
    return atr_1d(h, lo, c, n, *out) if c.ndim == 1 else atr_2d(h, lo, c, n, *out)


# --------------------------------------------------------------------------- moments


@njit
def moments_init(n: int, k: float = 0.0) -> tuple:
    """State of n-bar rolling moments (flat: nested tuples holding arrays are slow in numba).

    (ring buffer, valid bars seen, position, running sum, bars since the sum's re-sync,
    previous valid bar, shift, sum of x-shift, sum of (x-shift)^2, bars since
    re-centring, length of the current run of equal bars, band multiplier k (Bollinger
    only)).
    """
    return (np.zeros(n), 0, 0, 0.0, 0, np.nan, 0.0, 0.0, 0.0, 0, 0, k)


@njit(inline="always")
def centred_sums(buf: np.ndarray, shift: float) -> tuple:
    """Exact sums of (x - shift) and (x - shift)^2 over a ring buffer."""
    s1 = 0.0
    s2 = 0.0
    for k in range(buf.size):
        d = buf[k] - shift
        s1 += d
        s2 += d * d
    return s1, s2


@njit(inline="always")
def moments_values(
    n: int, total: float, shift: float, s1: float, s2: float, run: int, x: float
) -> tuple:
    """(SMA, mean, population std) of a full n-bar window whose newest bar is x.

    The SMA divides by n (as ``sma`` does, bit for bit); the moments multiply by 1/n: two
    divisions fewer per bar on the divider the square root also uses.
    """
    middle = total / n
    if run >= n:
        return middle, x, 0.0
    inv_n = 1.0 / n
    m1 = s1 * inv_n
    var = max(s2 * inv_n - m1 * m1, 0.0)
    return middle, shift + m1, math.sqrt(var)


@njit(inline="always")
def moments_step(state: tuple, x: float) -> tuple:
    """Feed one bar; returns (state, SMA, mean, population std), NaN during warm-up.

    The SMA repeats :func:`sma_step`'s arithmetic operation for operation (running sum,
    exact re-sync every n + RESYNC_SLACK bars), so Bollinger's middle band is bit-equal
    to ``sma``. The std comes from sums of deviations from a shift (a recent bar),
    updated in O(1) and re-centred on the newest bar and re-computed exactly from the
    buffer every n bars (amortised O(1)), so there is no catastrophic cancellation at
    large price levels; n equal bars in a row give mean x and std exactly 0. The previous
    bar is carried in the state (a register), not re-read from the buffer just written.
    """
    buf, count, pos, total, since, prev, shift, s1, s2, centred, run, k = state
    if not math.isfinite(x):
        return state, np.nan, np.nan, np.nan
    n = buf.size
    if count < n:  # warm-up: the window is filling
        run = run + 1 if count > 0 and prev == x else 1
        if count == 0:
            shift = x
        d = x - shift
        total += x
        s1 += d
        s2 += d * d
        count += 1
        buf[pos] = x
        pos += 1
        if pos == n:
            pos = 0
        new = (buf, count, pos, total, since, x, shift, s1, s2, centred, run, k)
        if count < n:
            return new, np.nan, np.nan, np.nan
        middle, mean, std = moments_values(n, total, shift, s1, s2, run, x)
        return new, middle, mean, std
    # full window (its own path, so a bar tests count once): one add per running sum on
    # the bar-to-bar chain, as in sma_step
    run = run + 1 if prev == x else 1
    old = buf[pos]
    d = x - shift
    total += x - old
    d_old = old - shift
    s1 += d - d_old
    s2 += d * d - d_old * d_old
    buf[pos] = x
    pos += 1
    if pos == n:
        pos = 0
    since += 1
    if since >= n + RESYNC_SLACK:
        since = 0
        total = window_sum(buf)
    centred += 1
    if centred >= n:
        centred = 0
        shift = x
        s1, s2 = centred_sums(buf, shift)
    middle, mean, std = moments_values(n, total, shift, s1, s2, run, x)
    return (buf, count, pos, total, since, x, shift, s1, s2, centred, run, k), middle, mean, std


# --------------------------------------------------------------------------- rolling std


@njit
def rolling_std_init(n: int) -> tuple:
    """State of an n-bar rolling std (the rolling-moments state)."""
    return moments_init(n)


@njit(inline="always")
def rolling_std_step(state: tuple, x: float) -> tuple:
    """Feed one bar; returns (state, population std of the last n valid bars or NaN)."""
    state, _, _, std = moments_step(state, x)
    return state, std


@njit
def rolling_std_1d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling population std of a 1-D series (loop over :func:`rolling_std_step`)."""
    state = rolling_std_init(n)
    for i in range(x.shape[0]):
        state, out[i] = rolling_std_step(state, x[i])
    return out


@njit(parallel=True)
def rolling_std_2d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling population std per column of a (bars x symbols) array."""
    for j in numba.prange(x.shape[1]):
        rolling_std_1d(x.T[j], n, out.T[j])
    return out


def rolling_std(x: npt.ArrayLike, n: int) -> np.ndarray:
    """Rolling population standard deviation, ddof=0 (TA-Lib ``STDDEV`` with nbdev=1).

    Warm-up n-1 NaN; O(1) amortised per bar. Units: those of ``x``. Non-finite bars
    are skipped (output NaN, state unchanged).
    """
    a, n = series(x), period("n", n)
    out = outputs(a)
    return rolling_std_1d(a, n, *out) if a.ndim == 1 else rolling_std_2d(a, n, *out)


# --------------------------------------------------------------------------- z-score


@njit
def zscore_init(n: int) -> tuple:
    """State of an n-bar rolling z-score (the rolling-moments state)."""
    return moments_init(n)


@njit(inline="always")
def zscore_step(state: tuple, x: float) -> tuple:
    """Feed one bar; returns (state, (x - mean)/std over the last n valid bars, or NaN)."""
    state, _, mean, std = moments_step(state, x)
    if math.isnan(std):
        return state, np.nan
    if std == 0.0:
        return state, 0.0
    return state, (x - mean) / std


@njit
def zscore_1d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling z-score of a 1-D series (loop over :func:`zscore_step`)."""
    state = zscore_init(n)
    for i in range(x.shape[0]):
        state, out[i] = zscore_step(state, x[i])
    return out


@njit(parallel=True)
def zscore_2d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling z-score per column of a (bars x symbols) array."""
    for j in numba.prange(x.shape[1]):
        zscore_1d(x.T[j], n, out.T[j])
    return out


def zscore(x: npt.ArrayLike, n: int) -> np.ndarray:
    """Rolling z-score: (x - mean)/std over the last n valid bars, population std.

    The window includes the current bar. A constant window (std exactly 0) gives 0.0.
    Warm-up n-1 NaN. Unitless. Non-finite bars are skipped.
    """
    a, n = series(x), period("n", n)
    out = outputs(a)
    return zscore_1d(a, n, *out) if a.ndim == 1 else zscore_2d(a, n, *out)


# --------------------------------------------------------------------------- Bollinger


@njit
def bbands_init(n: int = 20, k: float = 2.0) -> tuple:
    """State of Bollinger bands: the rolling-moments state carrying k."""
    return moments_init(n, k)


@njit(inline="always")
def bbands_step(state: tuple, x: float) -> tuple:
    """Feed one close; returns (state, upper, middle, lower), NaN during warm-up."""
    state, middle, _, std = moments_step(state, x)
    k = state[11]
    return state, middle + k * std, middle, middle - k * std


@njit
def bbands_1d(
    x: np.ndarray, n: int, k: float, up: np.ndarray, mid: np.ndarray, lo: np.ndarray
) -> tuple:
    """Bollinger bands of a 1-D close series (loop over :func:`bbands_step`)."""
    state = bbands_init(n, k)
    for i in range(x.shape[0]):
        state, up[i], mid[i], lo[i] = bbands_step(state, x[i])
    return up, mid, lo


@njit(parallel=True)
def bbands_2d(
    x: np.ndarray, n: int, k: float, up: np.ndarray, mid: np.ndarray, lo: np.ndarray
) -> tuple:
    """Bollinger bands of each column of a (bars x symbols) close array (1-D kernel per column)."""
    for j in numba.prange(x.shape[1]):
        bbands_1d(x.T[j], n, k, up.T[j], mid.T[j], lo.T[j])
    return up, mid, lo


def bbands(
    close: npt.ArrayLike, n: int = 20, k: float = 2.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bollinger bands -> (upper, middle, lower) (TA-Lib ``BBANDS``, matype SMA).

    middle = SMA(n) (bit-equal to ``sma``); upper/lower = middle +/- k * population std.
    Warm-up n-1 NaN. Units: price. Non-finite bars are skipped.
    """
    a, n, k = series(close, "close"), period("n", n), positive("k", k)
    out = outputs(a, 3)
    return bbands_1d(a, n, k, *out) if a.ndim == 1 else bbands_2d(a, n, k, *out)
