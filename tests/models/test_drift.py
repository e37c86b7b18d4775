"""Drift statistics: quiet on stationary data, a step change detected with a bounded delay."""

from __future__ import annotations

import numpy as np
import pytest

from quant.models.drift import DriftInputError, concept_drift, data_drift, reaction_table


@pytest.mark.parametrize("method", ["psi", "ks"])
def test_step_change_is_detected_and_stationary_data_is_not(method: str) -> None:
    rng = np.random.default_rng(0)
    train, same, shifted = rng.normal(size=500), rng.normal(size=100), rng.normal(size=100) + 1.5
    assert not data_drift(train, same, method).drifted
    assert data_drift(train, shifted, method).drifted


def test_reaction_table_reports_delay_and_false_alarm_rate() -> None:
    rows = reaction_table(sizes=(2.0,), seeds=range(4), method="ks")
    step, quiet = rows
    assert step["missed"] == 0 and 0 < step["median_delay_obs"] <= 100
    assert quiet["false_alarm_rate"] < 0.05


def test_autocorrelation_is_discounted_in_ks() -> None:
    x = np.empty(700)
    e = np.random.default_rng(3).normal(size=700)
    x[0] = 0.0
    for t in range(1, 700):
        x[t] = 0.95 * x[t - 1] + e[t]
    naive = data_drift(x[:500], x[600:], "ks")
    fair = data_drift(x[:500], x[600:], "ks", rho=0.95)
    assert fair.statistic > naive.statistic


def test_concept_drift_is_the_rmse_ratio() -> None:
    rng = np.random.default_rng(1)
    d = concept_drift(rng.normal(size=400), 2.0 * rng.normal(size=100))
    assert d.drifted and d.statistic == pytest.approx(2.0, rel=0.2)
    with pytest.raises(DriftInputError, match="recent errors"):
        concept_drift(rng.normal(size=400), np.array([np.nan] * 20))
