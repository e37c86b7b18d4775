"""Momentum oscillators: RSI (TA-Lib ``RSI``) and MACD (TA-Lib ``MACD``).

State/step/batch layout and NaN policy as in :mod:`quant.core.indicators` (a non-finite
bar leaves the state unchanged and outputs NaN; warm-ups count valid bars only).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from quant.core.indicators.inputs import outputs, period, series
from quant.core.indicators.moving import ema_init, ema_step
from quant.core.jit import njit

# --------------------------------------------------------------------------- RSI


@njit
def rsi_init(n: int) -> tuple:
    """State of an n-bar RSI: (n, valid bars seen, previous close, avg gain, avg loss)."""
    return (n, 0, np.nan, 0.0, 0.0)


@njit(inline="always")
def rsi_step(state: tuple, x: float) -> tuple:
    """Feed one close; returns (state, RSI in [0, 100] or NaN during the n-bar warm-up)."""
    n, count, prev, gain, loss = state
    if not math.isfinite(x):
        return state, np.nan
    if count == 0:
        return (n, 1, x, gain, loss), np.nan
    diff = x - prev
    if count <= n:
        if diff < 0:
            loss -= diff
        else:
            gain += diff
        count += 1
        if count <= n:
            return (n, count, x, gain, loss), np.nan
        loss /= n
        gain /= n
    else:
        # branch-free (price changes are unpredictable): adding +0.0 is exact
        inv = 1.0 / n
        loss = (loss * (n - 1) + max(-diff, 0.0)) * inv
        gain = (gain * (n - 1) + max(diff, 0.0)) * inv
    total = gain + loss
    value = 100.0 * (gain / total) if not (-1e-14 < total < 1e-14) else 0.0
    return (n, count, x, gain, loss), value


@njit
def rsi_1d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """RSI of a 1-D close series (loop over :func:`rsi_step`)."""
    state = rsi_init(n)
    for i in range(x.shape[0]):
        state, out[i] = rsi_step(state, x[i])
    return out


@njit(parallel=True)
def rsi_2d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """RSI of each column of a (bars x symbols) close array (1-D kernel per column)."""
    for j in numba.prange(x.shape[1]):
        rsi_1d(x.T[j], n, out.T[j])
    return out


def rsi(close: npt.ArrayLike, n: int = 14) -> np.ndarray:
    """Relative strength index, 0..100 (TA-Lib ``RSI``: Wilder smoothing, SMA seed).

    The first n price changes are averaged, later ones Wilder-smoothed
    (``avg = (avg*(n-1) + change) * (1/n)``, a multiply by the reciprocal to keep a
    division out of the dependency chain). Warm-up: n NaN. As in TA-Lib, a window whose
    average gain + loss is below 1e-14 in magnitude (constant prices) gives 0.0.
    Non-finite bars are skipped: the next change is taken from the last valid close.
    """
    a, n = series(close, "close"), period("n", n)
    out = outputs(a)
    return rsi_1d(a, n, *out) if a.ndim == 1 else rsi_2d(a, n, *out)


# --------------------------------------------------------------------------- MACD


@njit
def macd_init(fast: int = 12, slow: int = 26, signal: int = 9) -> tuple:
    """State of MACD, flat (nested tuples measured slower in numba).

    (fast EMA state (5 fields, see :func:`ema_init`), slow EMA state (5), signal EMA
    state (5), valid bars seen (capped at slow), fast, slow).
    """
    if slow < fast:
        fast, slow = slow, fast
    return ema_init(fast) + ema_init(slow) + ema_init(signal) + (0, fast, slow)


@njit(inline="always")
def macd_step(state: tuple, x: float) -> tuple:
    """Feed one close; returns (state, macd, signal, hist), NaN until the signal is seeded."""
    if not math.isfinite(x):
        return state, np.nan, np.nan, np.nan
    fast_st = (state[0], state[1], state[2], state[3], state[4])
    slow_st = (state[5], state[6], state[7], state[8], state[9])
    sig_st = (state[10], state[11], state[12], state[13], state[14])
    count, fast, slow = state[15], state[16], state[17]
    count += 1
    slow_st, slow_v = ema_step(slow_st, x)
    if count > slow - fast:
        fast_st, fast_v = ema_step(fast_st, x)
    else:
        fast_v = np.nan
    m = np.nan
    s = np.nan
    if count >= slow:
        m = fast_v - slow_v
        sig_st, s = ema_step(sig_st, m)
    new = fast_st + slow_st + sig_st + (min(count, slow), fast, slow)
    if math.isnan(s):
        return new, np.nan, np.nan, np.nan
    return new, m, s, m - s


@njit
def macd_1d(
    x: np.ndarray, fast: int, slow: int, signal: int, m: np.ndarray, s: np.ndarray, h: np.ndarray
) -> tuple:
    """MACD of a 1-D close series (loop over :func:`macd_step`)."""
    state = macd_init(fast, slow, signal)
    for i in range(x.shape[0]):
        state, m[i], s[i], h[i] = macd_step(state, x[i])
    return m, s, h


@njit(parallel=True)
def macd_2d(
    x: np.ndarray, fast: int, slow: int, signal: int, m: np.ndarray, s: np.ndarray, h: np.ndarray
) -> tuple:
    """MACD of each column of a (bars x symbols) close array (1-D kernel per column)."""
    for j in numba.prange(x.shape[1]):
        macd_1d(x.T[j], fast, slow, signal, m.T[j], s.T[j], h.T[j])
    return m, s, h


def macd(
    close: npt.ArrayLike, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MACD -> (macd, signal, hist) (TA-Lib ``MACD``, EMAs with alpha = 2/(period+1)).

    As in TA-Lib the fast EMA is seeded with the SMA of the ``fast`` bars ending where the
    slow EMA is seeded (bar slow-1), and all three outputs start together once the
    signal EMA is seeded: warm-up slow + signal - 2 NaN (33 for 12/26/9). Periods are
    swapped if slow < fast. Units: price. Non-finite bars are skipped.
    """
    a = series(close, "close")
    f, s, g = period("fast", fast), period("slow", slow), period("signal", signal)
    out = outputs(a, 3)
    return macd_1d(a, f, s, g, *out) if a.ndim == 1 else macd_2d(a, f, s, g, *out)
