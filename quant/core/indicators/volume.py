"""Volume-weighted price: rolling VWAP over n bars.

NaN policy as in :mod:`quant.core.indicators`: a bar with a non-finite close, or a
non-finite or negative volume, is skipped (state unchanged, output NaN).
"""

from __future__ import annotations

import math

import numba
import numpy as np
import numpy.typing as npt

from quant.core.indicators.inputs import outputs, period, same_shape
from quant.core.indicators.moving import RESYNC_SLACK
from quant.core.jit import njit


@njit
def vwap_init(n: int) -> tuple:
    """State of an n-bar VWAP.

    (ring buffer of (close*volume, volume, close) rows, valid bars seen, position,
    sum of close*volume, sum of volume, sum of close, bars with volume > 0 in the window,
    bars since the last exact re-sync of the sums).
    """
    return (np.zeros((n, 3)), 0, 0, 0.0, 0.0, 0.0, 0, 0)


@njit
def vwap_resync(buf: np.ndarray) -> tuple:
    """Exact (sum close*volume, sum volume, sum close, bars with volume > 0) of the buffer."""
    spv = 0.0
    sv = 0.0
    sc = 0.0
    nonzero = 0
    for k in range(buf.shape[0]):
        spv += buf[k, 0]
        sv += buf[k, 1]
        sc += buf[k, 2]
        if buf[k, 1] > 0.0:
            nonzero += 1
    return spv, sv, sc, nonzero


@njit(inline="always")
def vwap_step(state: tuple, close: float, volume: float) -> tuple:
    """Feed one bar; returns (state, VWAP of the last n valid bars or NaN during warm-up)."""
    buf, count, pos, spv, sv, sc, nonzero, since = state
    if not (math.isfinite(close) and math.isfinite(volume) and volume >= 0.0):
        return state, np.nan
    n = buf.shape[0]
    full = count >= n
    if full:
        spv -= buf[pos, 0]
        sv -= buf[pos, 1]
        sc -= buf[pos, 2]
        if buf[pos, 1] > 0.0:
            nonzero -= 1
    else:
        count += 1
    pv = close * volume
    spv += pv
    sv += volume
    sc += close
    if volume > 0.0:
        nonzero += 1
    buf[pos, 0] = pv
    buf[pos, 1] = volume
    buf[pos, 2] = close
    pos += 1
    if pos == n:
        pos = 0
    if full:
        since += 1
        if since >= n + RESYNC_SLACK:
            since = 0
            spv, sv, sc, nonzero = vwap_resync(buf)
    if nonzero == 0:
        spv = 0.0
        sv = 0.0
    new = (buf, count, pos, spv, sv, sc, nonzero, since)
    if count < n:
        return new, np.nan
    if nonzero == 0:
        return new, sc / n
    return new, spv / sv


@njit
def vwap_1d(close: np.ndarray, volume: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling VWAP of 1-D close/volume series (loop over :func:`vwap_step`)."""
    state = vwap_init(n)
    for i in range(close.shape[0]):
        state, out[i] = vwap_step(state, close[i], volume[i])
    return out


@njit(parallel=True)
def vwap_2d(close: np.ndarray, volume: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
    """Rolling VWAP per column of (bars x symbols) close/volume (1-D kernel)."""
    for j in numba.prange(close.shape[1]):
        vwap_1d(close.T[j], volume.T[j], n, out.T[j])
    return out


def vwap(close: npt.ArrayLike, volume: npt.ArrayLike, n: int) -> np.ndarray:
    """Rolling volume-weighted average price sum(close*volume)/sum(volume) over n bars.

    No TA-Lib equivalent; reference: the definition. When the window's volume is all
    zero (e.g. index data), the VWAP is the plain mean of the window's closes. Warm-up
    n-1 NaN. Units: price. Running sums, O(1) per bar, re-synced exactly every
    n + RESYNC_SLACK bars.
    """
    c, v = same_shape(close=close, volume=volume)
    n = period("n", n)
    out = outputs(c)
    return vwap_1d(c, v, n, *out) if c.ndim == 1 else vwap_2d(c, v, n, *out)
