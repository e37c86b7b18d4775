"""Batch equals streaming, bit for bit, for every indicator (hypothesis property tests)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.indicators.cases import CASES, Case, ohlcv_from_close

SCALES = st.sampled_from([1e-9, 1e-3, 1.0, 1e3, 1e9, 1e150])


@st.composite
def price_series(draw: st.DrawFn) -> np.ndarray:
    """Random walks with NaN gaps, constant stretches, and tiny to huge magnitudes."""
    n = draw(st.integers(0, 120))
    scale = draw(SCALES)
    steps = np.array(draw(st.lists(st.floats(-1, 1), min_size=n, max_size=n)), dtype=float)
    x = scale * (100.0 + np.cumsum(steps))
    if n and draw(st.booleans()):
        a = draw(st.integers(0, n - 1))
        x[a : a + draw(st.integers(1, 20))] = x[a]  # constant stretch
    if n and draw(st.booleans()):
        for i in draw(st.lists(st.integers(0, n - 1), max_size=12)):
            x[i] = np.nan
    return x


def assert_bitwise_equal(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    """Same shapes and the same bits everywhere (NaN payloads included)."""
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert u.shape == v.shape
        if u.dtype == np.bool_:
            assert np.array_equal(u, v.astype(np.bool_))
        else:
            assert np.array_equal(u.view(np.uint64), v.astype(np.float64).view(np.uint64))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=price_series())
def test_batch_equals_streaming_bit_for_bit(case: Case, x: np.ndarray) -> None:
    # Arrange
    bars = ohlcv_from_close(x)
    # Act
    batch = case.run_batch(bars)
    stream = case.run_stream(bars)
    # Assert
    if x.size == 0:
        assert all(b.size == 0 for b in batch)
        return
    assert_bitwise_equal(batch, stream)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_batch_equals_streaming_on_sp500(case: Case, sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    bars = dict(sp500)
    bars["other"] = np.roll(sp500["close"], 3)
    # Act
    batch = case.run_batch(bars)
    stream = case.run_stream(bars)
    # Assert
    assert_bitwise_equal(batch, stream)
