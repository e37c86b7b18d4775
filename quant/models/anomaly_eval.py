"""Labelled synthetic data for anomaly detectors, the rolling z-score baseline, and P/R.

The generator (seeded) draws a log-price random walk whose volatility switches between
regimes (0.5 %, 1 %, 3 % per bar), adds persistent level shifts (6-10 current sigmas) and
isolated one-bar spikes (6-12 current sigmas, the price returns next bar). Only spikes are
labelled anomalies; level shifts and volatility regime changes are not.

Baseline: the rolling z-score of the one-bar log return over ``window`` bars
(quant.core.indicators.zscore), flag |z| > k.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from quant.core.anomaly import kalman_anomalies
from quant.core.indicators import zscore


@dataclass(frozen=True)
class Synthetic:
    """A labelled series: y (log price), label (True = injected spike), shifts, regimes."""

    y: np.ndarray
    label: np.ndarray
    shift_bars: np.ndarray
    regime_bars: np.ndarray


def synthetic_series(
    seed: int, n: int = 4000, n_spikes: int = 40, n_shifts: int = 8, n_regimes: int = 8
) -> Synthetic:
    """Seeded labelled series (see the module docstring); equal seeds give equal arrays."""
    rng = np.random.default_rng(seed)
    edges = np.sort(rng.choice(np.arange(200, n - 200), n_regimes, replace=False))
    levels = np.array([0.005, 0.01, 0.03])
    sig = np.empty(n)
    bounds = [0, *edges.tolist(), n]
    for a, b in itertools.pairwise(bounds):
        sig[a:b] = levels[rng.integers(0, 3)]
    steps = rng.normal(size=n) * sig
    taken = np.zeros(n, dtype=bool)
    taken[:60] = True
    for e in edges:
        taken[max(0, e - 3) : e + 4] = True
    shifts = _pick(rng, taken, n_shifts, n)
    steps[shifts] += (
        rng.choice([-1.0, 1.0], len(shifts)) * rng.uniform(6, 10, len(shifts)) * sig[shifts]
    )
    y = np.cumsum(steps)
    spikes = _pick(rng, taken, n_spikes, n)
    y[spikes] += (
        rng.choice([-1.0, 1.0], len(spikes)) * rng.uniform(6, 12, len(spikes)) * sig[spikes]
    )
    label = np.zeros(n, dtype=bool)
    label[spikes] = True
    return Synthetic(y, label, np.sort(shifts), edges)


def _pick(rng: np.random.Generator, taken: np.ndarray, k: int, n: int) -> np.ndarray:
    """k bars not within 3 bars of an earlier pick (marks them taken)."""
    out: list[int] = []
    while len(out) < k:
        i = int(rng.integers(60, n - 5))
        if not taken[i - 3 : i + 4].any():
            taken[i - 3 : i + 4] = True
            out.append(i)
    return np.array(sorted(out), dtype=np.int64)


def zscore_flags(y: np.ndarray, window: int = 50, k: float = 4.0) -> np.ndarray:
    """Baseline: |rolling z-score of the one-bar change| > k (bool per bar)."""
    r = np.concatenate([[np.nan], np.diff(y)])
    z = zscore(np.ascontiguousarray(r), window)
    return np.nan_to_num(np.abs(z), nan=0.0) > k


def kalman_flags(y: np.ndarray, k: float = 4.0, **kwargs: float) -> np.ndarray:
    """The Kalman detector's flags (bool per bar)."""
    return kalman_anomalies(y, k=k, **kwargs)["flag"] > 0.0


@dataclass(frozen=True)
class Scores:
    """Confusion counts, precision and recall of one detector on one labelled series."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 1.0 when nothing was flagged."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def row(self, name: str) -> dict[str, object]:
        """A table row: detector, counts, precision, recall."""
        return {"detector": name, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4)}  # fmt: skip


def score(flags: np.ndarray, label: np.ndarray) -> Scores:
    """Confusion counts of bool flags against bool labels."""
    return Scores(
        int((flags & label).sum()), int((flags & ~label).sum()), int((~flags & label).sum())
    )


def compare(seeds: range | list[int] = range(5), k: float = 4.0) -> list[dict[str, object]]:
    """P/R of the Kalman detector and the z-score baseline, pooled over seeded series."""
    kal = [0, 0, 0]
    zs = [0, 0, 0]
    for seed in seeds:
        s = synthetic_series(seed)
        for acc, flags in ((kal, kalman_flags(s.y, k)), (zs, zscore_flags(s.y, k=k))):
            c = score(flags, s.label)
            acc[0], acc[1], acc[2] = acc[0] + c.tp, acc[1] + c.fp, acc[2] + c.fn
    return [Scores(*kal).row("kalman"), Scores(*zs).row("zscore")]
