"""Kalman local-level / local-trend filters: streaming = batch, statsmodels agreement, gaps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import statsmodels.api as sm

from quant.core import kalman
from quant.core.indicators import IndicatorInputError

SP500 = Path(__file__).resolve().parents[2] / "data" / "samples" / "sp500.csv.gz"


@pytest.fixture(scope="module")
def prices() -> np.ndarray:
    y = pl.read_csv(SP500)["Close"].cast(pl.Float64).to_numpy()[:600].copy()
    y[100:103] = np.nan
    return y


def test_local_level_matches_statsmodels_exact_diffuse(prices: np.ndarray) -> None:
    # Arrange
    ref = sm.tsa.UnobservedComponents(prices, "llevel", use_exact_diffuse=True).filter([4.0, 9.0])
    # Act
    level, v, f = kalman.local_level(prices, q=9.0, r=4.0)
    # Assert
    np.testing.assert_allclose(level, ref.filtered_state[0], rtol=1e-12)
    seen = np.isfinite(prices)
    seen[0] = False  # the diffuse first bar has no innovation
    assert np.array_equal(np.isfinite(v), seen)
    np.testing.assert_allclose(v[seen], ref.forecasts_error[0, seen], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(f[seen], ref.forecasts_error_cov[0, 0, seen], rtol=1e-9)


def test_local_trend_matches_statsmodels_after_diffuse_start(prices: np.ndarray) -> None:
    # Arrange
    mod = sm.tsa.UnobservedComponents(prices, "lltrend", use_exact_diffuse=True)
    ref = mod.filter([4.0, 9.0, 0.01])
    # Act
    level, slope, _, _ = kalman.local_trend(prices, q_level=9.0, q_slope=0.01, r=4.0)
    # Assert
    np.testing.assert_allclose(level[10:], ref.filtered_state[0][10:], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(slope[10:], ref.filtered_state[1][10:], atol=1e-5)


def test_kalman_predicts_through_missing_observations(prices: np.ndarray) -> None:
    # Act
    level, v, f = kalman.local_level(prices, q=9.0, r=4.0)
    # Assert: the level is carried (not NaN) and innovations are missing on the gap
    assert np.array_equal(level[100:103], np.full(3, level[99]))
    assert np.isnan(v[100:103]).all() and np.isnan(f[100:103]).all()
    assert f[103] > f[99]


@pytest.mark.parametrize("model", ["level", "trend"])
def test_kalman_stream_equals_batch_bit_for_bit(model: str, prices: np.ndarray) -> None:
    # Arrange
    y = np.concatenate([[np.nan, np.nan], prices[:200]])
    if model == "level":
        batch = kalman.local_level(y, 9.0, 4.0)
        state, step = kalman.local_level_init(9.0, 4.0), kalman.local_level_step
    else:
        batch = kalman.local_trend(y, 9.0, 0.01, 4.0)
        state, step = kalman.local_trend_init(9.0, 0.01, 4.0, 1e7), kalman.local_trend_step
    # Act
    rows = []
    for x in y:
        state, *values = step(state, x)
        rows.append(values)
    stream = np.array(rows).T
    # Assert
    for a, b in zip(batch, stream, strict=True):
        assert np.array_equal(a.view(np.uint64), b.view(np.uint64))


def test_kalman_rejects_negative_variance_and_2d_input() -> None:
    with pytest.raises(IndicatorInputError, match="r must be a finite number"):
        kalman.local_level(np.ones(5), q=1.0, r=-1.0)
    with pytest.raises(IndicatorInputError, match="1-D series"):
        kalman.local_level(np.ones((5, 2)), q=1.0, r=1.0)
