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
    market_stats_pass(close, volume, window, with_mu, market_state(k, window), sigma, mu, adv)
    return sigma, mu, adv


@njit
def market_stats_pass(close, volume, window, with_mu, state, sigma, mu, adv) -> None:
    """Advance ``state`` (:func:`market_state`) over bars, writing each bar's past-only stats.

    The batch statistics are one pass from a fresh state; a live driver keeps the state
    between calls of one bar each and gets the same numbers bit for bit.
    """
    n, k = close.shape
    rets, vols, n_r, n_v, i_r, i_v, prev, s_sig, s_mu, s_adv, s_r, s_r2, s_v = state
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
