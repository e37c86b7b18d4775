"""Drift monitoring: data drift (PSI and KS of recent values vs the training window) and
concept drift (rolling prediction error vs the training error), plus how fast they react.

PSI uses ``bins`` (5) quantile bins of the training values (open-ended outer bins), with
0.5 added to every bin count (an empty bin is not infinite); PSI > 0.25 is the usual
"significant shift". KS is scipy's two-sample test; drift when p < 0.01. Concept drift:
RMSE of the model's one-step predictions over the last ``window`` outcomes divided by the
training RMSE; drift when the ratio > ``ratio``.

For the pair models: the monitored feature is the spread z-score (spread / residual std),
the model is the spread's AR(1); training = the bars up to the AR fit's ``train_end``,
recent = the last ``window`` bars after it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from quant.errors import QuantError


class DriftInputError(QuantError):
    """Too few values to compare, or no values after the training window."""


@dataclass(frozen=True)
class Drift:
    """One check's outcome: statistic, threshold, drifted?, sample sizes."""

    kind: str
    statistic: float
    threshold: float
    drifted: bool
    n_train: int
    n_recent: int

    def to_dict(self) -> dict[str, object]:
        """Plain dict (for metadata / JSON)."""
        return asdict(self)


def psi(train: np.ndarray, recent: np.ndarray, bins: int = 5) -> float:
    """Population stability index of ``recent`` against quantile bins of ``train``."""
    edges = np.quantile(train, np.linspace(0.0, 1.0, bins + 1)[1:-1])

    def shares(v: np.ndarray) -> np.ndarray:  # +0.5 per bin: an empty bin is not infinite
        counts = np.bincount(np.searchsorted(edges, v, side="right"), minlength=bins)
        return (counts + 0.5) / (len(v) + 0.5 * bins)

    e, a = shares(train), shares(recent)
    return float(np.sum((a - e) * np.log(a / e)))


def _finite(x: np.ndarray, name: str, minimum: int) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) < minimum:
        raise DriftInputError(f"drift: {name} has {len(v)} finite values, need >= {minimum}")
    return v


def data_drift(
    train: np.ndarray,
    recent: np.ndarray,
    method: str = "psi",
    threshold: float | None = None,
    rho: float = 0.0,
) -> Drift:
    """PSI (default threshold 0.25) or KS (threshold = p-value 0.01) of recent vs train.

    ``rho`` is the lag-1 autocorrelation of the values: KS then uses the effective sample
    sizes n (1 - rho) / (1 + rho) (asymptotic Kolmogorov p-value); autocorrelated values
    judged as independent would raise false alarms.
    """
    tr, rc = _finite(train, "training window", 20), _finite(recent, "recent window", 10)
    if method == "psi":
        thr = 0.25 if threshold is None else threshold
        stat = psi(tr, rc)
        return Drift("psi", stat, thr, stat > thr, len(tr), len(rc))
    if method == "ks":
        from scipy.stats import ks_2samp, kstwobign

        thr = 0.01 if threshold is None else threshold
        if rho == 0.0:
            p = float(ks_2samp(tr, rc).pvalue)
        else:
            shrink = (1.0 - min(max(rho, 0.0), 0.99)) / (1.0 + min(max(rho, 0.0), 0.99))
            n1, n2 = len(tr) * shrink, len(rc) * shrink
            d = float(ks_2samp(tr, rc).statistic)
            p = float(kstwobign.sf(d * np.sqrt(n1 * n2 / (n1 + n2))))
        return Drift("ks_pvalue", p, thr, p < thr, len(tr), len(rc))
    raise DriftInputError(f"drift: unknown method {method!r} (psi or ks)")


def concept_drift(train_err: np.ndarray, recent_err: np.ndarray, ratio: float = 1.5) -> Drift:
    """Recent prediction RMSE / training RMSE; drift when above ``ratio``."""
    tr, rc = _finite(train_err, "training errors", 20), _finite(recent_err, "recent errors", 10)
    stat = float(np.sqrt(np.mean(rc**2)) / np.sqrt(np.mean(tr**2)))
    return Drift("rmse_ratio", stat, ratio, stat > ratio, len(tr), len(rc))


# --------------------------------------------------------------------------- reaction


def first_alarm(x: np.ndarray, train_n: int, window: int, start: int, **kw: object) -> int | None:
    """Observations after ``start`` until PSI/KS of the last ``window`` values first alarms."""
    train = x[:train_n]
    for t in range(max(start + 1, train_n + window), len(x) + 1):
        if data_drift(train, x[t - window : t], **kw).drifted:  # type: ignore[arg-type]
            return t - start
    return None


def alarm_rate(x: np.ndarray, train_n: int, window: int, stride: int = 1, **kw: object) -> float:
    """Share of evaluation points (every ``stride`` bars after training) that alarm."""
    train = x[:train_n]
    points = range(train_n + window, len(x) + 1, stride)
    hits = sum(data_drift(train, x[t - window : t], **kw).drifted for t in points)  # type: ignore[arg-type]
    return hits / max(1, len(points))


def reaction_table(
    sizes: tuple[float, ...] = (0.5, 1.0, 2.0),
    seeds: range = range(20),
    train_n: int = 500,
    window: int = 100,
    method: str = "psi",
    phi: float = 0.0,
) -> list[dict[str, object]]:
    """Median detection delay (obs) of a mean step of each size (in sd) on seeded AR(1) data
    with unit variance (``phi`` = 0: iid N(0, 1)), and the false-alarm rate on stationary
    data, for the data-drift check (KS discounts autocorrelation with rho = phi)."""
    rows: list[dict[str, object]] = []
    kw = {"method": method, "rho": phi}
    for size in sizes:
        delays = []
        for seed in seeds:
            x = _ar1(seed, train_n + 400, phi)
            x[train_n + 100 :] += size
            d = first_alarm(x, train_n, window, train_n + 100, **kw)
            delays.append(np.inf if d is None else d)
        missed = int(np.isinf(delays).sum())
        rows.append({"check": method, "phi": phi, "step_sd": size,
                     "median_delay_obs": float(np.median(delays)), "missed": missed,
                     "runs": len(delays)})  # fmt: skip
    rates = [
        alarm_rate(_ar1(1000 + s, train_n + 400, phi), train_n, window, stride=10, **kw)
        for s in seeds
    ]
    rows.append({"check": method, "phi": phi, "step_sd": 0.0,
                 "false_alarm_rate": float(np.mean(rates)), "runs": len(rates)})  # fmt: skip
    return rows


def _ar1(seed: int, n: int, phi: float) -> np.ndarray:
    """Seeded AR(1) with unit marginal variance, started in its stationary distribution."""
    e = np.random.default_rng(seed).normal(size=n)
    x = np.empty(n)
    x[0] = e[0]
    scale = np.sqrt(1.0 - phi * phi)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + scale * e[t]
    return x
