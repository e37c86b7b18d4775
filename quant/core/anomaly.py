"""Kalman anomaly detector (state/step + batch) that tells spikes from regime changes.

The series (e.g. log close) follows a local-level model with level noise ``snr`` and unit
observation noise, scaled by an adaptive variance s2: the one-step prediction of y_t is the
level m, its standard deviation sd_t = sqrt(s2 * (p + snr + 1)) and the expected band is
m +- k sd_t. s2 is an EWMA (decay ``lam``) of v^2 / F with v^2 capped at k^2 F, so the band
widens and narrows with the volatility regime and one outlier cannot blow it up.

Spike versus regime change (the one-bar confirmation). A bar with |z| = |v| / sd > k is a
*suspect*: the filter predicts through it (as if missing). The next finite bar decides:
* back within ``k_back`` predicted sd (two bars ahead) of the pre-suspect level -> the
  suspect was an isolated
  spike: flagged, never absorbed into the level;
* otherwise -> a level shift or a volatility burst: the suspect is accepted, the level
  variance is inflated by v^2 / s2 so the filter re-locks onto the new level at once.
So the verdict on bar t is emitted by the step of bar t+1 (the last bar's verdict is
pending; the batch leaves it 0).

Confidence per point (0..1): 0.5 * max(0, 1 - k / |z|) (how far outside the band) plus, for
a flagged spike, 0.5 * the reversion fraction 1 - |y_{t+1} - m| / |y_t - m|. Known market
events (the manual override list, one bool per bar) are never suspects: the bar is accepted
and treated as a regime change. Non-finite bars are missing: the filter predicts through
them (a pending suspect is then accepted unconfirmed). The first ``warmup`` finite bars only
estimate s2. Outputs per bar t: z_t, innovation v_t, band_lo_t, band_hi_t (the explanation).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from quant.core.indicators.inputs import IndicatorInputError, series
from quant.core.jit import njit


@njit
def kalman_anomaly_init(k: float, k_back: float, lam: float, snr: float, warmup: float) -> tuple:
    """State: (m, p, s2, n, pend, py, pz, psd, k, k_back, lam, snr, warmup); psd is the
    suspect's predicted std (kept for the explanation)."""
    return (np.nan, 0.0, 0.0, 0.0, 0.0, np.nan, np.nan, np.nan, k, k_back, lam, snr, warmup)


@njit(inline="always")
def _accept(
    m: float, p_pred: float, s2: float, n: float, y: float, k: float, lam: float, warmup: float
) -> tuple:
    """Kalman update with observation y; returns (m, p, s2, n) after it."""  # fmt: skip
    f = p_pred + 1.0
    v = y - m
    u = v * v / f
    if n < warmup:
        s2 = (s2 * (n - 1.0) + u) / n if n > 1.0 else u
    else:
        s2 = lam * s2 + (1.0 - lam) * min(u, k * k * s2)
    gain = p_pred / f
    return m + gain * v, p_pred / f, s2, n + 1.0


@njit(inline="always")
def kalman_anomaly_step(state: tuple, y: float, known: bool) -> tuple:
    """Feed one bar -> (state, verdict on the previous bar 0/1, its confidence, z, v, lo, hi)."""
    m, p, s2, n, pend, py, pz, _psd, k, kb, lam, snr, warm = state
    prev_flag = 0.0
    prev_conf = 0.0
    if not math.isfinite(y):
        if pend != 0.0:  # cannot confirm: accept the suspect as a regime change
            prev_conf = 0.5 * max(0.0, 1.0 - k / abs(pz))
            m, p, s2, n = _accept(m, p, s2, n, py, k, lam, warm)
            p += pz * pz
        if n > 0.0:
            p += snr
        new = (m, p, s2, n, 0.0, np.nan, np.nan, np.nan, k, kb, lam, snr, warm)
        return new, prev_flag, prev_conf, np.nan, np.nan, np.nan, np.nan
    if n == 0.0:
        new = (y, 0.0, 0.0, 1.0, 0.0, np.nan, np.nan, np.nan, k, kb, lam, snr, warm)
        return new, prev_flag, prev_conf, np.nan, np.nan, np.nan, np.nan
    if pend != 0.0:
        dist = abs(y - m)  # m is still the pre-suspect level, predicted two bars ahead
        rev = 1.0 - min(1.0, dist / max(abs(py - m), 1e-300))
        out_conf = 0.5 * max(0.0, 1.0 - k / abs(pz))
        if dist <= kb * math.sqrt(s2 * (p + snr + 1.0)):  # back: an isolated spike
            prev_flag = 1.0
            prev_conf = out_conf + 0.5 * rev
        else:  # level shift or volatility burst: accept the suspect, re-lock on it
            prev_conf = out_conf * rev
            m, p, s2, n = _accept(m, p, s2, n, py, k, lam, warm)
            p += pz * pz
        pend = 0.0
    p_pred = p + snr
    sd = math.sqrt(s2 * (p_pred + 1.0))
    v = y - m
    z = v / sd if sd > 0.0 else np.nan
    lo = m - k * sd
    hi = m + k * sd
    if n >= warm and not known and sd > 0.0 and abs(z) > k:
        new = (m, p_pred, s2, n, 1.0, y, z, sd, k, kb, lam, snr, warm)
        return new, prev_flag, prev_conf, z, v, lo, hi
    m, p, s2, n = _accept(m, p_pred, s2, n, y, k, lam, warm)
    if known:
        p += v * v / max(s2, 1e-300)
    new = (m, p, s2, n, 0.0, np.nan, np.nan, np.nan, k, kb, lam, snr, warm)
    return new, prev_flag, prev_conf, z, v, lo, hi


@njit
def kalman_anomaly_1d(
    y: np.ndarray,
    known: np.ndarray,
    k: float,
    k_back: float,
    lam: float,
    snr: float,
    warmup: float,
    flag: np.ndarray,
    conf: np.ndarray,
    z: np.ndarray,
    v: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> None:
    """Batch form: a loop over the step; bar t's verdict is written when bar t+1 arrives."""
    state = kalman_anomaly_init(k, k_back, lam, snr, warmup)
    n = y.shape[0]
    for i in range(n):
        state, f_prev, c_prev, z[i], v[i], lo[i], hi[i] = kalman_anomaly_step(state, y[i], known[i])
        if i > 0:
            flag[i - 1] = f_prev
            conf[i - 1] = c_prev
    if n > 0:
        flag[n - 1] = 0.0  # pending
        conf[n - 1] = 0.5 * max(0.0, 1.0 - k / abs(state[6])) if state[4] != 0.0 else 0.0


def kalman_anomalies(
    y: npt.ArrayLike,
    known: npt.ArrayLike | None = None,
    k: float = 4.0,
    k_back: float = 3.0,
    lam: float = 0.94,
    snr: float = 100.0,
    warmup: int = 20,
) -> dict[str, np.ndarray]:
    """Detect spikes in a 1-D series -> {flag, confidence, z, innovation, band_lo, band_hi}.

    ``known`` (bool per bar) marks known market events that must never be flagged. ``k`` is
    the band half-width and ``k_back`` the reversion band, both in predicted std; ``lam`` the
    EWMA decay of the scale; ``snr`` the level-to-observation noise ratio (large for prices).
    """
    a = series(y, "y")
    if a.ndim != 1:
        raise IndicatorInputError(f"y: the anomaly detector takes a 1-D series, got {a.shape}")
    kn = np.zeros(a.shape[0], dtype=np.bool_) if known is None else np.asarray(known, np.bool_)
    if kn.shape != a.shape:
        raise IndicatorInputError(f"known: shape {kn.shape} differs from y {a.shape}")
    if not (k > 0 and k_back > 0 and 0 < lam < 1 and snr >= 0 and warmup >= 2):
        raise IndicatorInputError(
            f"need k>0, k_back>0, 0<lam<1, snr>=0, warmup>=2; got {k}, {k_back}, {lam}, "
            f"{snr}, {warmup}"
        )
    out = {name: np.empty_like(a) for name in ("flag", "confidence", "z", "innovation",
                                                 "band_lo", "band_hi")}  # fmt: skip
    kalman_anomaly_1d(
        a, np.ascontiguousarray(kn), float(k), float(k_back), float(lam), float(snr),
        float(warmup), *out.values(),
    )  # fmt: skip
    return out
