"""Rolling maximum / minimum (TA-Lib ``MAX`` / ``MIN``) with amortised O(1) per bar.

Streaming van Herk / Gil-Werman: bars are grouped in blocks of n. The state holds the
current block's values and running maximum (prefix) and the suffix maxima of the
previous block, in the two halves of one fixed buffer of length 2(n+1). The window
ending at position k of the current block is the previous block's suffix from k+1 plus
the current prefix, so each bar costs two comparisons; when a block completes, its
suffix maxima are computed once (n comparisons per n bars). No data-dependent branches,
unlike a monotonic deque (whose pops mispredict on noisy prices: it measured about 20x
slower than TA-Lib here), and no O(n) re-scan when the maximum leaves the window,
unlike TA-Lib's classic ``MAX``. The minimum is the same algorithm with ``min``.

Branch-free bookkeeping: slot n of each half holds -inf (+inf for the minimum), so the
last bar of a block reads no real suffix without a test, and the prefix restarts from
that identity; during the first block the previous half is NaN, which ``max(NaN, p)``
passes through, so the n-1 bar warm-up needs no counter. Indices are cast to unsigned
(they are never negative), which spares numba's negative-index wraparound per access.
NaN policy as in :mod:`quant.core.indicators` (windows count valid bars).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from quant.core.indicators.inputs import outputs, period, series
from quant.core.jit import njit


@njit
def rolling_extreme_init(n: int, identity: float) -> tuple:
    """State: (buffer of 2(n+1): current block and previous block's suffixes, each half
    ending in ``identity``; prefix; position in block; offset of the current half)."""
    m = n + 1
    buf = np.full(2 * m, np.nan)  # NaN previous suffixes: the first block is the warm-up
    buf[n] = identity
    buf[m + n] = identity
    return (buf, identity, 0, 0)


@njit
def rolling_max_init(n: int) -> tuple:
    """State of an n-bar rolling maximum."""
    return rolling_extreme_init(n, -np.inf)


@njit
def rolling_min_init(n: int) -> tuple:
    """State of an n-bar rolling minimum."""
    return rolling_extreme_init(n, np.inf)


@njit(inline="always")
def suffix_max(buf: np.ndarray, start: int, n: int) -> None:
    """In place: buf[start+k] = max(buf[start+k : start+n]) (the block-completion step).

    The running maximum is carried in a register: re-reading buf[k + 1] right after
    storing it put a store-to-load forwarding delay on every element (2x slower overall).
    """
    best = buf[np.uint64(start + n - 1)]
    for k in range(start + n - 2, start - 1, -1):
        best = max(buf[np.uint64(k)], best)
        buf[np.uint64(k)] = best


@njit(inline="always")
def suffix_min(buf: np.ndarray, start: int, n: int) -> None:
    """In place: buf[start+k] = min(buf[start+k : start+n]) (see :func:`suffix_max`)."""
    best = buf[np.uint64(start + n - 1)]
    for k in range(start + n - 2, start - 1, -1):
        best = min(buf[np.uint64(k)], best)
        buf[np.uint64(k)] = best


@njit(inline="always")
def rolling_max_step(state: tuple, x: float) -> tuple:
    """Feed one bar; returns (state, max of the last n valid bars or NaN during warm-up)."""
    buf, prefix, k, cur = state
    if not math.isfinite(x):
        return state, np.nan
    m = buf.size // 2
    prefix = max(prefix, x)  # max() compiles to a branch-free maxsd
    buf[np.uint64(cur + k)] = x
    # the previous block's suffix max from k+1 covers the rest of the window
    best = max(buf[np.uint64(m - cur + k + 1)], prefix)
    k += 1
    if k == m - 1:
        suffix_max(buf, cur, k)
        cur = m - cur
        k = 0
        prefix = -np.inf
    return (buf, prefix, k, cur), best


@njit(inline="always")
def rolling_min_step(state: tuple, x: float) -> tuple:
    """Feed one bar; returns (state, min of the last n valid bars or NaN during warm-up)."""
    buf, prefix, k, cur = state
    if not math.isfinite(x):
        return state, np.nan
    m = buf.size // 2
    prefix = min(prefix, x)
    buf[np.uint64(cur + k)] = x
    best = min(buf[np.uint64(m - cur + k + 1)], prefix)
    k += 1
    if k == m - 1:
        suffix_min(buf, cur, k)
        cur = m - cur
        k = 0
        prefix = np.inf
    return (buf, prefix, k, cur), best


@njit
def rolling_range_init(n: int) -> tuple:
    """State of the n-bar highest high and lowest low together (Williams %R, stochastic).

    (buffer of 4(n+1): the rolling-max halves then the rolling-min halves, high prefix,
    low prefix, position in block, offset of the current half). One block position
    and one block-end test serve both extremes.
    """
    m = n + 1
    buf = np.full(4 * m, np.nan)
    buf[n] = buf[m + n] = -np.inf
    buf[2 * m + n] = buf[3 * m + n] = np.inf
    return (buf, -np.inf, np.inf, 0, 0)


@njit(inline="always")
def rolling_range_step(state: tuple, high: float, low: float) -> tuple:
    """Feed one finite (high, low); returns (state, highest high, lowest low), NaN warm-up.

    The same comparisons as :func:`rolling_max_step` on ``high`` and
    :func:`rolling_min_step` on ``low``, so the values are the same; the caller skips
    non-finite bars.
    """
    buf, hi_prefix, lo_prefix, k, cur = state
    m = buf.size // 4
    lows = 2 * m
    hi_prefix = max(hi_prefix, high)
    lo_prefix = min(lo_prefix, low)
    buf[np.uint64(cur + k)] = high
    buf[np.uint64(lows + cur + k)] = low
    r = m - cur + k + 1
    hh = max(buf[np.uint64(r)], hi_prefix)
    ll = min(buf[np.uint64(lows + r)], lo_prefix)
    k += 1
    if k == m - 1:
        suffix_max(buf, cur, k)
        suffix_min(buf, lows + cur, k)
        cur = m - cur
        k = 0
        hi_prefix = -np.inf
        lo_prefix = np.inf
    return (buf, hi_prefix, lo_prefix, k, cur), hh, ll


@njit
def rolling_max_1d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling max of a 1-D series (loop over :func:`rolling_max_step`)."""
    state = rolling_max_init(n)
    for i in range(x.shape[0]):
        state, out[i] = rolling_max_step(state, x[i])
    return out


@njit
def rolling_min_1d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling min of a 1-D series (loop over :func:`rolling_min_step`)."""
    state = rolling_min_init(n)
    for i in range(x.shape[0]):
        state, out[i] = rolling_min_step(state, x[i])
    return out


@njit(parallel=True)
def rolling_max_2d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling max per column of a (bars x symbols) array."""
    for j in numba.prange(x.shape[1]):
        rolling_max_1d(x.T[j], n, out.T[j])
    return out


@njit(parallel=True)
def rolling_min_2d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling min per column of a (bars x symbols) array."""
    for j in numba.prange(x.shape[1]):
        rolling_min_1d(x.T[j], n, out.T[j])
    return out


def rolling_max(x: npt.ArrayLike, n: int) -> np.ndarray:
    """Highest value of the last n valid bars (TA-Lib ``MAX``); warm-up n-1 NaN; units of x.

    Non-finite bars are skipped (output NaN, state unchanged). Amortised O(1) per bar.
    """
    a, n = series(x), period("n", n)
    out = outputs(a)
    return rolling_max_1d(a, n, *out) if a.ndim == 1 else rolling_max_2d(a, n, *out)


def rolling_min(x: npt.ArrayLike, n: int) -> np.ndarray:
    """Lowest value of the last n valid bars (TA-Lib ``MIN``); warm-up n-1 NaN; units of x.

    Non-finite bars are skipped (output NaN, state unchanged). Amortised O(1) per bar.
    """
    a, n = series(x), period("n", n)
    out = outputs(a)
    return rolling_min_1d(a, n, *out) if a.ndim == 1 else rolling_min_2d(a, n, *out)
