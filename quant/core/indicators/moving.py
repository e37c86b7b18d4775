"""Moving averages: SMA, EMA, WMA (TA-Lib ``SMA``, ``EMA``, ``WMA``).

Running sums (SMA, WMA) are updated in O(1) per bar and re-computed exactly from the
ring buffer every n + ``RESYNC_SLACK`` bars, so rounding drift cannot accumulate over
millions of bars (TA-Lib's own running sums drift; agreement stays far inside 1e-9).

Each indicator is ``<name>_init(params) -> state``, ``<name>_step(state, x) -> (state,
value)``, a 1-D batch kernel ``<name>_1d`` and a 2-D kernel ``<name>_2d`` (bars x symbols,
parallel over symbols) that both loop over the step, and the public wrapper ``<name>``.
NaN policy (all three): a non-finite input leaves the state unchanged and outputs NaN;
windows count valid bars only.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from quant.core.exactmath import fma
from quant.core.indicators.inputs import outputs, period, series
from quant.core.jit import njit

# --------------------------------------------------------------------------- SMA


#: Running sums are re-computed exactly from the ring buffer every n + RESYNC_SLACK bars:
#: rounding drift stays bounded, at a cost below one add per bar even for short windows.
RESYNC_SLACK = 64


@njit(inline="always")
def window_sum(buf: np.ndarray) -> float:
    """Sum of a ring buffer in index order (the exact re-sync of a running sum)."""
    total = 0.0
    for k in range(buf.size):
        total += buf[k]
    return total


@njit
def sma_init(n: int) -> tuple:
    """State of an n-bar SMA: (ring buffer, bars seen, position, running sum, since re-sync)."""
    return (np.zeros(n), 0, 0, 0.0, 0)


@njit(inline="always")
def sma_step(state: tuple, x: float) -> tuple:
    """Feed one bar; returns (state, mean of the last n valid bars or NaN during warm-up).

    The full window and the warm-up are separate paths, so a bar tests ``count`` once
    (testing it three times per bar measured 1.3x slower); same arithmetic on both.
    """
    buf, count, pos, total, since = state
    if not math.isfinite(x):
        return state, np.nan
    n = buf.size
    if count >= n:
        # one add on the bar-to-bar dependency chain: (x - leaving) is computed off the chain
        total += x - buf[pos]
        buf[pos] = x
        pos += 1
        if pos == n:
            pos = 0
        since += 1
        if since >= n + RESYNC_SLACK:
            since = 0
            total = window_sum(buf)
        return (buf, count, pos, total, since), total / n
    total += x
    buf[pos] = x
    pos += 1
    if pos == n:
        pos = 0
    count += 1
    return (buf, count, pos, total, since), (total / n if count >= n else np.nan)


@njit
def sma_1d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Simple moving average of a 1-D series (loop over :func:`sma_step`)."""
    state = sma_init(n)
    for i in range(x.shape[0]):
        state, out[i] = sma_step(state, x[i])
    return out


@njit(parallel=True)
def sma_2d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Simple moving average per column of a (bars x symbols) array."""
    for j in numba.prange(x.shape[1]):
        sma_1d(x.T[j], n, out.T[j])
    return out


def sma(x: npt.ArrayLike, n: int) -> np.ndarray:
    """Simple moving average over n bars (TA-Lib ``SMA``: running sum; warm-up n-1 NaN).

    Units: those of ``x``. Non-finite bars are skipped (output NaN, state unchanged).
    """
    a, n = series(x), period("n", n)
    out = outputs(a)
    return sma_1d(a, n, *out) if a.ndim == 1 else sma_2d(a, n, *out)


# --------------------------------------------------------------------------- EMA


@njit
def ema_init(n: int) -> tuple:
    """State of an n-bar EMA: (n, alpha=2/(n+1), valid bars seen, seed sum, last EMA)."""
    return (n, 2.0 / (n + 1), 0, 0.0, np.nan)


@njit(inline="always")
def ema_step(state: tuple, x: float) -> tuple:
    """Feed one bar; returns (state, EMA or NaN during the n-1 bar warm-up)."""
    n, alpha, count, total, prev = state
    if not math.isfinite(x):
        return state, np.nan
    if count < n:
        total += x
        count += 1
        if count < n:
            return (n, alpha, count, total, prev), np.nan
        prev = total / n
        return (n, alpha, count, total, prev), prev
    # TA-Lib's ((x - ema) * alpha) + ema, fused (one rounding) as its FMA build computes
    # it: equal to TA-Lib bit for bit there, and one fma on the bar-to-bar chain
    prev = fma(x - prev, alpha, prev)
    return (n, alpha, count, total, prev), prev


@njit
def ema_1d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Exponential moving average of a 1-D series (loop over :func:`ema_step`)."""
    state = ema_init(n)
    for i in range(x.shape[0]):
        state, out[i] = ema_step(state, x[i])
    return out


@njit(parallel=True)
def ema_2d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Exponential moving average per column of a (bars x symbols) array."""
    for j in numba.prange(x.shape[1]):
        ema_1d(x.T[j], n, out.T[j])
    return out


def ema(x: npt.ArrayLike, n: int) -> np.ndarray:
    """Exponential moving average, alpha = 2/(n+1) (TA-Lib ``EMA``, default compatibility).

    Seeded with the SMA of the first n valid bars, so the warm-up is n-1 NaN; then
    ``ema = fma(x - ema, alpha, ema)`` (rounded once: TA-Lib's step on CPUs with FMA, so
    the values equal TA-Lib's bit for bit there). Units: those of ``x``. Non-finite bars
    are skipped.
    """
    a, n = series(x), period("n", n)
    out = outputs(a)
    return ema_1d(a, n, *out) if a.ndim == 1 else ema_2d(a, n, *out)


# --------------------------------------------------------------------------- WMA


@njit
def wma_init(n: int) -> tuple:
    """State of an n-bar WMA.

    (ring buffer, valid bars seen, position, window sum, weighted sum, since re-sync).
    """
    return (np.zeros(n), 0, 0, 0.0, 0.0, 0)


@njit(inline="always")
def wma_resync(buf: np.ndarray, pos: int) -> tuple:
    """Exact (window sum, weighted sum) of a full ring buffer whose oldest bar is at pos.

    Two straight runs (oldest to the buffer's end, then its start) with a float weight
    counter: a wrapped index and an int-to-float weight per bar made this call, every
    n + RESYNC_SLACK bars, cost half of WMA's time. Same operations in the same order.
    """
    n = buf.size
    total = 0.0
    weighted = 0.0
    w = 0.0  # the weight j + 1 of the j-th oldest bar (exact: integers < 2**53)
    for k in range(pos, n):
        w += 1.0
        total += buf[k]
        weighted += buf[k] * w
    for k in range(pos):
        w += 1.0
        total += buf[k]
        weighted += buf[k] * w
    return total, weighted


@njit(inline="always")
def wma_step(state: tuple, x: float) -> tuple:
    """Feed one bar; returns (state, linearly weighted mean of the last n valid bars or NaN).

    Full window and warm-up are separate paths, so a bar tests ``count`` once.
    """
    buf, count, pos, total, weighted, since = state
    if not math.isfinite(x):
        return state, np.nan
    n = buf.size
    if count >= n:
        weighted += x * n - total
        total += x - buf[pos]
        buf[pos] = x
        pos += 1
        if pos == n:
            pos = 0
        since += 1
        if since >= n + RESYNC_SLACK:
            since = 0
            total, weighted = wma_resync(buf, pos)
        return (buf, count, pos, total, weighted, since), weighted / (n * (n + 1) // 2)
    count += 1
    total += x
    weighted += x * count
    buf[pos] = x
    pos += 1
    if pos == n:
        pos = 0
    value = weighted / (n * (n + 1) // 2) if count >= n else np.nan
    return (buf, count, pos, total, weighted, since), value


@njit
def wma_1d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Weighted moving average of a 1-D series (loop over :func:`wma_step`)."""
    state = wma_init(n)
    for i in range(x.shape[0]):
        state, out[i] = wma_step(state, x[i])
    return out


@njit(parallel=True)
def wma_2d(x: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Weighted moving average per column of a (bars x symbols) array."""
    for j in numba.prange(x.shape[1]):
        wma_1d(x.T[j], n, out.T[j])
    return out


def wma(x: npt.ArrayLike, n: int) -> np.ndarray:
    """Linearly weighted moving average, weights 1..n oldest to newest (TA-Lib ``WMA``).

    Warm-up n-1 NaN; O(1) per bar (running window and weighted sums). Units: those of
    ``x``. Non-finite bars are skipped (output NaN, state unchanged).
    """
    a, n = series(x), period("n", n)
    out = outputs(a)
    return wma_1d(a, n, *out) if a.ndim == 1 else wma_2d(a, n, *out)
