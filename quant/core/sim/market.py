"""Past-only market statistics the simulator's cost and sizing rules need, per bar and symbol.

For each symbol column, the value at bar t uses bars up to t-1 only (known before bar t
opens, so fills in bar t and decisions at its close may both use it, and a run split into
chunks sees the same numbers): ``sigma`` = standard deviation (ddof=1) of the last
``window`` log close-to-close returns (expanding while fewer exist; running sums), ``mu`` =
their mean, ``adv`` = mean volume of the last ``window`` bars. NaN bars (a symbol without
data on that timestamp) are skipped. NaN until two returns (sigma/mu) or one volume (adv)
exist.
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange

from quant.core.jit import njit


@njit
def market_state(k: int, window: int) -> tuple:
    """Fresh per-symbol running state of :func:`market_stats_pass` for ``k`` symbols.

    (returns ring, volume ring, n returns, n volumes, return pos, volume pos, previous close,
    sigma, mu, adv, sum r, sum r^2, sum volume); arrays only, so a live driver can persist it.
    """
    w = max(window, 1)
    return (
        np.zeros((k, w)), np.zeros((k, w)), np.zeros(k, np.int64), np.zeros(k, np.int64),
        np.zeros(k, np.int64), np.zeros(k, np.int64), np.full(k, np.nan), np.full(k, np.nan),
        np.full(k, np.nan), np.full(k, np.nan), np.zeros(k), np.zeros(k), np.zeros(k),
    )  # fmt: skip


#: Bars per tile of :func:`market_stats_pass`: each symbol's running sums stay in registers
#: for a tile, and the tile's rows of the outputs (3 x 512 x S float64) stay in cache.
TILE = 512


def rolling_market_stats(
    close: np.ndarray, volume: np.ndarray, window: int, with_mu: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(sigma, mu, adv)`` float64[n, S] C arrays of (bars x symbols) inputs (module docstring).

    Symbols are independent, so their columns are computed on all cores; each symbol's
    numbers are those of :func:`market_stats_pass` bit for bit. Without ``with_mu`` (only
    Kelly sizing reads it) ``mu`` is a float64[1, S] row of NaN. The outputs are allocated
    by numpy (transparent huge pages: see ``quant.core.indicators.inputs.outputs``).
    """
    close = np.ascontiguousarray(close, dtype=np.float64)
    volume = np.ascontiguousarray(volume, dtype=np.float64)
    n, k = close.shape
    sigma, adv = np.empty((n, k)), np.empty((n, k))
    mu = np.empty((n, k)) if with_mu else np.full((1, k), np.nan)
    state = market_state(k, window)
    _stats_by_symbol(close, volume, window, with_mu, state, sigma, mu, adv)
    return sigma, mu, adv


@njit(parallel=True)
def _stats_by_symbol(close, volume, window, with_mu, state, sigma, mu, adv) -> None:
    """Every symbol's whole span from ``state``, one symbol per core at a time."""
    n, k = close.shape
    for j in prange(k):
        _symbol_span(close, volume, window, with_mu, state, sigma, mu, adv, j, 0, n)


@njit
def market_stats_pass(close, volume, window, with_mu, state, sigma, mu, adv) -> None:
    """Advance ``state`` (:func:`market_state`) over bars, writing each bar's past-only stats.

    The batch statistics are one pass from a fresh state; a live driver keeps the state
    between calls of one bar each and gets the same numbers bit for bit. Bars go in tiles of
    :data:`TILE`, symbol by symbol within a tile.
    """
    n, k = close.shape
    for t0 in range(0, n, TILE):
        t1 = min(t0 + TILE, n)
        for j in range(k):
            _symbol_span(close, volume, window, with_mu, state, sigma, mu, adv, j, t0, t1)


@njit
def _symbol_span(close, volume, window, with_mu, state, sigma, mu, adv, j, t0, t1) -> None:
    """Bars ``t0 .. t1-1`` of symbol ``j``: its running state in locals, stored back at the end.

    Per bar: the stats known before the bar opens are written, then its close (log return
    against the previous close, both > 0) and volume enter the rolling sums; a NaN close is
    no bar (state unchanged).
    """
    rets, vols, n_r_, n_v_, i_r_, i_v_, prev_, sig_, mu_, adv_, s_r_, s_r2_, s_v_ = state
    n_r, n_v, i_r, i_v, p = n_r_[j], n_v_[j], i_r_[j], i_v_[j], prev_[j]
    s_sig, s_mu, s_adv, s_r, s_r2, s_v = sig_[j], mu_[j], adv_[j], s_r_[j], s_r2_[j], s_v_[j]
    ring_r, ring_v = rets[j], vols[j]
    for t in range(t0, t1):
        sigma[t, j] = s_sig  # known before bar t opens: bars up to t-1 only
        if with_mu:
            mu[t, j] = s_mu
        adv[t, j] = s_adv
        c = close[t, j]
        if math.isnan(c):
            continue
        if not math.isnan(p) and p > 0.0 and c > 0.0:
            r = math.log(c / p)
            if n_r >= window:
                old = ring_r[i_r]
                s_r -= old
                s_r2 -= old * old
            ring_r[i_r] = r
            s_r += r
            s_r2 += r * r
            n_r += 1
            i_r = i_r + 1 if i_r + 1 < window else 0
        p = c
        v = volume[t, j]
        if not math.isnan(v):
            if n_v >= window:
                s_v -= ring_v[i_v]
            ring_v[i_v] = v
            s_v += v
            n_v += 1
            i_v = i_v + 1 if i_v + 1 < window else 0
        kr = min(n_r, window)
        if kr >= 2:
            m = s_r / kr
            s_mu = m
            s_sig = math.sqrt(max(s_r2 - kr * m * m, 0.0) / (kr - 1))
        kv = min(n_v, window)
        if kv >= 1:
            s_adv = s_v / kv
    n_r_[j], n_v_[j], i_r_[j], i_v_[j], prev_[j] = n_r, n_v, i_r, i_v, p
    sig_[j], mu_[j], adv_[j], s_r_[j], s_r2_[j], s_v_[j] = s_sig, s_mu, s_adv, s_r, s_r2, s_v
