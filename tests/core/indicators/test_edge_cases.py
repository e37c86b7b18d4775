"""Edge cases and the NaN policy: short inputs, all-NaN, constant prices, gaps, bad params."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from quant.core import indicators as ind
from tests.core.indicators.cases import CASES, Case, ohlcv_from_close

WINDOWED = [c for c in CASES if c.params]


@pytest.mark.parametrize("case", WINDOWED, ids=lambda c: c.name)
def test_input_shorter_than_warmup_gives_all_nan(case: Case) -> None:
    # Arrange: two bars, every windowed case has a warm-up of at least 4
    bars = ohlcv_from_close(np.array([100.0, 101.0]))
    # Act
    outputs = case.run_batch(bars)
    # Assert
    for out in outputs:
        assert out.shape == (2,)
        assert np.isnan(out).all()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_all_nan_input_gives_all_missing(case: Case) -> None:
    # Arrange
    bars = ohlcv_from_close(np.full(50, np.nan))
    # Act
    outputs = case.run_batch(bars)
    # Assert
    for out in outputs:
        assert (~out).all() if out.dtype == np.bool_ else np.isnan(out).all()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_nan_bar_is_skipped_and_leaves_state_unchanged(case: Case) -> None:
    # Arrange: the same bars with and without NaN gaps
    rng = np.random.default_rng(7)
    clean = 100 + np.cumsum(rng.normal(size=80))
    gapped = np.insert(clean, [3, 10, 10, 40, 79], np.nan)
    valid = ~np.isnan(gapped)
    bars_clean = ohlcv_from_close(clean)
    bars_gapped = {k: np.full(gapped.shape, np.nan) for k in bars_clean}
    for k, v in bars_clean.items():
        bars_gapped[k][valid] = v
    # Act
    out_clean = case.run_batch(bars_clean)
    out_gapped = case.run_batch(bars_gapped)
    # Assert: missing bars output NaN/False; the others are exactly the gap-free outputs
    for a, b in zip(out_clean, out_gapped, strict=True):
        if b.dtype == np.bool_:
            assert not b[~valid].any()
        else:
            assert np.isnan(b[~valid]).all()
        assert np.array_equal(a, b[valid], equal_nan=True)


def test_constant_prices_give_defined_rsi_zscore_and_std() -> None:
    # Arrange
    x = np.full(60, 1234.5)
    # Act
    r, z, s = ind.rsi(x), ind.zscore(x, 20), ind.rolling_std(x, 20)
    # Assert: TA-Lib's RSI is 0 when there is no movement; z-score and std are exactly 0
    assert np.array_equal(r[14:], np.zeros(46))
    assert np.array_equal(r, talib.RSI(x), equal_nan=True)
    assert np.array_equal(z[19:], np.zeros(41))
    assert np.array_equal(s[19:], np.zeros(41))


def test_constant_window_after_volatile_history_has_zero_std() -> None:
    # Arrange
    x = np.concatenate([np.linspace(1e6, 2e6, 101) ** 1.1, np.full(30, 3.3e7)])
    # Act
    s, z = ind.rolling_std(x, 10), ind.zscore(x, 10)
    # Assert
    assert np.array_equal(s[110:], np.zeros(21))
    assert np.array_equal(z[110:], np.zeros(21))


def test_rolling_std_is_stable_at_large_offsets() -> None:
    # Arrange: tiny moves on a huge level, where sum-of-squares formulas cancel
    rng = np.random.default_rng(1)
    x = 1e9 + np.cumsum(rng.normal(scale=0.01, size=3000))
    windows = np.lib.stride_tricks.sliding_window_view(x, 20)
    ref = windows.std(axis=1)
    # Act
    ours = ind.rolling_std(x, 20)[19:]
    # Assert
    np.testing.assert_allclose(ours, ref, rtol=1e-6)


def test_log_returns_skip_non_positive_prices() -> None:
    # Arrange
    x = np.array([100.0, 0.0, -5.0, 110.0])
    # Act
    r = ind.log_returns(x)
    # Assert
    assert np.isnan(r[:3]).all()
    assert r[3] == pytest.approx(np.log(1.1))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ind.sma(np.ones(5), 0), "n must be an integer >= 1"),
        (lambda: ind.ema(np.ones(5), 2.5), "n must be an integer"),
        (lambda: ind.rsi(np.ones(5), True), "n must be an integer"),
        (lambda: ind.sma(np.ones((2, 2, 2)), 2), "1-D or 2-D"),
        (lambda: ind.sma(["a", "b"], 2), "not convertible to float64"),
        (lambda: ind.atr(np.ones(5), np.ones(4), np.ones(5)), "same shape"),
        (lambda: ind.bbands(np.ones(5), 3, -1.0), "k must be a finite number"),
    ],
)
def test_bad_parameters_raise_indicator_input_error(call, message: str) -> None:
    # Act / Assert
    with pytest.raises(ind.IndicatorInputError, match=message):
        call()


def test_vwap_with_zero_volume_is_mean_close() -> None:
    # Arrange: volume traded, then none at all (index data), then traded again
    c = np.arange(1.0, 13.0)
    v = np.array([5.0, 5.0, 5.0, 0, 0, 0, 0, 0, 0, 7.0, 0, 0])
    # Act
    out = ind.vwap(c, v, 3)
    # Assert
    assert np.isnan(out[:2]).all()
    assert out[2] == pytest.approx(2.0)
    assert out[3] == pytest.approx(2.5)  # closes 2, 3, 4 with volumes 5, 5, 0
    assert out[4] == pytest.approx(3.0)  # only bar 2 has volume
    assert np.array_equal(out[5:9], (c[3:7] + c[4:8] + c[5:9]) / 3)  # no volume: mean close
    assert out[9] == 10.0 and out[11] == 10.0
