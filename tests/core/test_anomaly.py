"""Kalman anomaly detector: batch == streaming bit for bit, spikes flagged, regime changes not,
known events overridden, explanation and confidence per point."""

from __future__ import annotations

import numpy as np
import pytest

from quant.core.anomaly import kalman_anomalies, kalman_anomaly_init, kalman_anomaly_step
from quant.core.indicators.inputs import IndicatorInputError
from quant.models.anomaly_eval import synthetic_series


def _walk(seed: int = 1, n: int = 400, sd: float = 0.01) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).normal(scale=sd, size=n))


def test_batch_equals_streaming_bit_for_bit_with_gaps() -> None:
    s = synthetic_series(3, n=1500)
    y = s.y.copy()
    y[[100, 101, 700]] = np.nan
    known = np.zeros(len(y), dtype=bool)
    known[900] = True
    batch = kalman_anomalies(y, known)
    state = kalman_anomaly_init(4.0, 3.0, 0.94, 100.0, 20.0)
    rows = []
    for i in range(len(y)):
        state, f, c, *expl = kalman_anomaly_step(state, y[i], known[i])
        rows.append((f, c, *expl))
    got = np.array(rows)
    for j, name in enumerate(("z", "innovation", "band_lo", "band_hi")):
        assert np.array_equal(got[:, 2 + j], batch[name], equal_nan=True), name
    assert np.array_equal(got[1:, 0], batch["flag"][:-1])
    assert np.array_equal(got[1:, 1], batch["confidence"][:-1])


def test_spike_is_flagged_with_explanation_level_shift_is_not() -> None:
    y = _walk()
    y[200] += 0.15  # a one-bar spike of ~15 sigma
    y[300:] += 0.15  # a persistent level shift of the same size
    out = kalman_anomalies(y)
    assert np.flatnonzero(out["flag"]).tolist() == [200]
    assert out["confidence"][200] > 0.7 and out["confidence"][300] < 0.5
    assert not out["band_lo"][200] <= y[200] <= out["band_hi"][200]  # outside the band
    assert out["innovation"][200] == pytest.approx(
        y[200] - (out["band_lo"][200] + out["band_hi"][200]) / 2
    )
    assert out["z"][200] > 4.0


def test_volatility_regime_change_widens_the_band_without_flags() -> None:
    rng = np.random.default_rng(5)
    y = np.cumsum(
        np.concatenate([rng.normal(scale=0.005, size=300), rng.normal(scale=0.03, size=300)])
    )
    out = kalman_anomalies(y)
    assert out["flag"].sum() <= 1  # at most one chance reversion in the burst
    width = out["band_hi"] - out["band_lo"]
    assert np.nanmedian(width[400:]) > 4 * np.nanmedian(width[100:300])


def test_known_event_is_never_flagged() -> None:
    y = _walk()
    y[200] += 0.15
    known = np.zeros(len(y), dtype=bool)
    known[200] = True
    assert kalman_anomalies(y)["flag"][200] == 1.0
    assert kalman_anomalies(y, known)["flag"].sum() == 0.0


def test_bad_parameters_are_named() -> None:
    with pytest.raises(IndicatorInputError, match="0<lam<1"):
        kalman_anomalies(_walk(), lam=1.5)
    with pytest.raises(IndicatorInputError, match="known"):
        kalman_anomalies(_walk(), np.zeros(3, dtype=bool))
