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

from quant.core.jit import njit


@njit
def rolling_market_stats_1d(
    close: np.ndarray, volume: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(sigma, mu, adv)`` of one symbol's bars (see the module docstring)."""
    n = close.shape[0]
    sigma = np.full(n, np.nan)
    mu = np.full(n, np.nan)
    adv = np.full(n, np.nan)
    rets = np.zeros(max(window, 1))
    vols = np.zeros(max(window, 1))
    n_r = 0
    n_v = 0
    prev = math.nan
    s_sig, s_mu, s_adv = math.nan, math.nan, math.nan
    s_r = 0.0
    i_r = 0
    i_v = 0
    s_r2 = 0.0
    s_v = 0.0
    for t in range(n):
        sigma[t] = s_sig  # known before bar t opens: bars up to t-1 only
        mu[t] = s_mu
        adv[t] = s_adv
        c = close[t]
        if not math.isnan(c):
            if not math.isnan(prev) and prev > 0.0 and c > 0.0:
                r = math.log(c / prev)
                if n_r >= window:
                    s_r -= rets[i_r]
                    s_r2 -= rets[i_r] * rets[i_r]
                rets[i_r] = r
                s_r += r
                s_r2 += r * r
                n_r += 1
                i_r = i_r + 1 if i_r + 1 < window else 0
            prev = c
            v = volume[t]
            if not math.isnan(v):
                if n_v >= window:
                    s_v -= vols[i_v]
                vols[i_v] = v
                s_v += v
                n_v += 1
                i_v = i_v + 1 if i_v + 1 < window else 0
            k = min(n_r, window)
            if k >= 2:
                s_mu = s_r / k
                s_sig = math.sqrt(max(s_r2 - k * s_mu * s_mu, 0.0) / (k - 1))
            kv = min(n_v, window)
            if kv >= 1:
                s_adv = s_v / kv
    return sigma, mu, adv


@njit
def rolling_market_stats(
    close: np.ndarray, volume: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """2-D (bars x symbols) form of ``rolling_market_stats_1d``; C-contiguous outputs."""
    n, k = close.shape
    sigma = np.empty((n, k))
    mu = np.empty((n, k))
    adv = np.empty((n, k))
    for j in range(k):
        s, m, a = rolling_market_stats_1d(
            np.ascontiguousarray(close[:, j]), np.ascontiguousarray(volume[:, j]), window
        )
        sigma[:, j] = s
        mu[:, j] = m
        adv[:, j] = a
    return sigma, mu, adv
