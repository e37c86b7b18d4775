"""2-D (bars x symbols) kernels equal the 1-D kernel column by column, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from tests.core.indicators.cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_two_d_equals_one_d_per_column(case: Case) -> None:
    # Arrange: 5 symbols with different levels and a NaN gap in one of them
    rng = np.random.default_rng(3)
    close = 50 * (1 + np.arange(5)) + np.cumsum(rng.normal(size=(300, 5)), axis=0)
    close[100:105, 2] = np.nan
    bars = {
        "close": close,
        "high": close + 1.0,
        "low": close - 1.0,
        "volume": np.abs(close) * 10,
        "other": np.roll(close, 2, axis=0),
    }
    # Act
    two_d = case.run_batch(bars)
    per_column = [case.run_batch({k: v[:, j] for k, v in bars.items()}) for j in range(5)]
    # Assert
    for k, out in enumerate(two_d):
        assert out.shape == close.shape
        for j in range(5):
            assert np.array_equal(out[:, j], per_column[j][k], equal_nan=True)
