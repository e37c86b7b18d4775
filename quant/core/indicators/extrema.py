"""Rolling maximum / minimum (TA-Lib ``MAX`` / ``MIN``) with amortised O(1) per bar.

The state is a monotonic deque of (value, bar index) held in fixed ring buffers of
length n: a new bar pops every element it dominates from the back, the front expires
when it leaves the window, and the front is the answer. Each bar is pushed and popped
at most once. NaN policy as in :mod:`quant.core.indicators` (windows count valid bars).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from quant.core.indicators.inputs import period, series
from quant.core.jit import njit


@njit
def rolling_extreme_init(n: int, sign: float) -> tuple:
    """Deque state: (values, bar indices, head, size, valid bars seen, sign: +1 max, -1 min)."""
    return (np.zeros(n), np.zeros(n, dtype=np.int64), 0, 0, 0, sign)


@njit
def rolling_max_init(n: int) -> tuple:
    """State of an n-bar rolling maximum."""
    return rolling_extreme_init(n, 1.0)


@njit
def rolling_min_init(n: int) -> tuple:
    """State of an n-bar rolling minimum."""
    return rolling_extreme_init(n, -1.0)


@njit
def rolling_extreme_step(state: tuple, x: float) -> tuple:
    """Feed one bar; returns (state, max (sign +1) or min (sign -1) of the last n valid bars)."""
    vals, idx, head, size, t, sign = state
    if not math.isfinite(x):
        return state, np.nan
    n = vals.size
    while size > 0 and idx[head] <= t - n:
        head += 1
        if head == n:
            head = 0
        size -= 1
    while size > 0:
        back = head + size - 1
        if back >= n:
            back -= n
        if sign * vals[back] <= sign * x:
            size -= 1
        else:
            break
    slot = head + size
    if slot >= n:
        slot -= n
    vals[slot] = x
    idx[slot] = t
    size += 1
    t += 1
    value = vals[head] if t >= n else np.nan
    return (vals, idx, head, size, t, sign), value


rolling_max_step = rolling_extreme_step
rolling_min_step = rolling_extreme_step


@njit
def rolling_extreme_1d(x: np.ndarray, n: int, sign: float) -> np.ndarray:
    """Rolling max (sign +1) or min (sign -1) of a 1-D series (loop over the step)."""
    out = np.empty_like(x)
    state = rolling_extreme_init(n, sign)
    for i in range(x.shape[0]):
        state, out[i] = rolling_extreme_step(state, x[i])
    return out


@njit(parallel=True)
def rolling_extreme_2d(x: np.ndarray, n: int, sign: float) -> np.ndarray:
    """Rolling max (sign +1) or min (sign -1) of each column of a (bars x symbols) array."""
    out = np.empty_like(x)
    for j in numba.prange(x.shape[1]):
        state = rolling_extreme_init(n, sign)
        for i in range(x.shape[0]):
            state, out[i, j] = rolling_extreme_step(state, x[i, j])
    return out


def _extreme(x: npt.ArrayLike, n: int, sign: float) -> np.ndarray:
    a, n = series(x), period("n", n)
    return rolling_extreme_1d(a, n, sign) if a.ndim == 1 else rolling_extreme_2d(a, n, sign)


def rolling_max(x: npt.ArrayLike, n: int) -> np.ndarray:
    """Highest value of the last n valid bars (TA-Lib ``MAX``); warm-up n-1 NaN; units of x."""
    return _extreme(x, n, 1.0)


def rolling_min(x: npt.ArrayLike, n: int) -> np.ndarray:
    """Lowest value of the last n valid bars (TA-Lib ``MIN``); warm-up n-1 NaN; units of x."""
    return _extreme(x, n, -1.0)
