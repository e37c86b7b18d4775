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
def rolling_market_stats(
    close: np.ndarray, volume: np.ndarray, window: int, with_mu: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(sigma, mu, adv)`` float64[n, S] C arrays of (bars x symbols) inputs (module docstring).

    One pass in memory order (bar outer, symbol inner) with per-symbol running sums. Without
    ``with_mu`` (only Kelly sizing reads it) ``mu`` is a float64[1, S] row of NaN.
    """
    n, k = close.shape
    sigma = np.empty((n, k))
    mu = np.empty((n, k)) if with_mu else np.full((1, k), np.nan)
    adv = np.empty((n, k))
    w = max(window, 1)
    rets = np.zeros((k, w))
    vols = np.zeros((k, w))
    n_r = np.zeros(k, np.int64)
    n_v = np.zeros(k, np.int64)
    i_r = np.zeros(k, np.int64)
    i_v = np.zeros(k, np.int64)
    prev = np.full(k, np.nan)
    s_sig = np.full(k, np.nan)
    s_mu = np.full(k, np.nan)
    s_adv = np.full(k, np.nan)
    s_r = np.zeros(k)
    s_r2 = np.zeros(k)
    s_v = np.zeros(k)
    for t in range(n):
        for j in range(k):
            sigma[t, j] = s_sig[j]  # known before bar t opens: bars up to t-1 only
            if with_mu:
                mu[t, j] = s_mu[j]
            adv[t, j] = s_adv[j]
            c = close[t, j]
            if math.isnan(c):
                continue
            p = prev[j]
            if not math.isnan(p) and p > 0.0 and c > 0.0:
                r = math.log(c / p)
                ir = i_r[j]
                if n_r[j] >= window:
                    old = rets[j, ir]
                    s_r[j] -= old
                    s_r2[j] -= old * old
                rets[j, ir] = r
                s_r[j] += r
                s_r2[j] += r * r
                n_r[j] += 1
                i_r[j] = ir + 1 if ir + 1 < window else 0
            prev[j] = c
            v = volume[t, j]
            if not math.isnan(v):
                iv = i_v[j]
                if n_v[j] >= window:
                    s_v[j] -= vols[j, iv]
                vols[j, iv] = v
                s_v[j] += v
                n_v[j] += 1
                i_v[j] = iv + 1 if iv + 1 < window else 0
            kr = min(n_r[j], window)
            if kr >= 2:
                m = s_r[j] / kr
                s_mu[j] = m
                s_sig[j] = math.sqrt(max(s_r2[j] - kr * m * m, 0.0) / (kr - 1))
            kv = min(n_v[j], window)
            if kv >= 1:
                s_adv[j] = s_v[j] / kv
    return sigma, mu, adv


@njit
def rolling_market_stats_1d(
    close: np.ndarray, volume: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(sigma, mu, adv)`` of one symbol's bars (see the module docstring)."""
    sigma, mu, adv = rolling_market_stats(
        np.ascontiguousarray(close).reshape(-1, 1),
        np.ascontiguousarray(volume).reshape(-1, 1),
        window,
    )
    return sigma[:, 0].copy(), mu[:, 0].copy(), adv[:, 0].copy()
