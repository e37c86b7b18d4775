"""Agreement with TA-Lib (C) after its warm-up on the shipped S&P 500 daily bars."""

from __future__ import annotations

import numpy as np
import pytest
import talib

from quant.core import indicators as ind

RTOL = 1e-9


def assert_matches_talib(ours: np.ndarray, ref: np.ndarray) -> None:
    """Same warm-up (NaN positions) and relative agreement to 1e-9 after it."""
    assert np.array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=0.0, equal_nan=True)


@pytest.mark.parametrize("n", [2, 5, 14, 20, 50, 200])
def test_moving_averages_match_talib(n: int, sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    c = sp500["close"]
    # Act / Assert
    assert_matches_talib(ind.sma(c, n), talib.SMA(c, n))
    assert_matches_talib(ind.ema(c, n), talib.EMA(c, n))
    assert_matches_talib(ind.wma(c, n), talib.WMA(c, n))


@pytest.mark.parametrize("n", [2, 5, 14, 30])
def test_rsi_and_atr_match_talib(n: int, sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    h, lo, c = sp500["high"], sp500["low"], sp500["close"]
    # Act / Assert
    assert_matches_talib(ind.rsi(c, n), talib.RSI(c, n))
    assert_matches_talib(ind.atr(h, lo, c, n), talib.ATR(h, lo, c, n))


def test_default_periods_match_talib_defaults(sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    h, lo, c = sp500["high"], sp500["low"], sp500["close"]
    # Act / Assert
    assert_matches_talib(ind.rsi(c), talib.RSI(c))
    assert_matches_talib(ind.atr(h, lo, c), talib.ATR(h, lo, c))
    for ours, ref in zip(ind.macd(c), talib.MACD(c), strict=True):
        assert_matches_talib(ours, ref)


@pytest.mark.parametrize("n", [2, 5, 20, 60])
def test_rolling_std_matches_talib_stddev(n: int, sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    c = sp500["close"]
    # Act / Assert
    assert_matches_talib(ind.rolling_std(c, n), talib.STDDEV(c, n, 1.0))


@pytest.mark.parametrize(("n", "k"), [(5, 2.0), (20, 2.0), (20, 1.5)])
def test_bbands_match_talib(n: int, k: float, sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    c = sp500["close"]
    # Act
    ours = ind.bbands(c, n, k)
    ref = talib.BBANDS(c, n, k, k, 0)
    # Assert
    for a, b in zip(ours, ref, strict=True):
        assert_matches_talib(a, b)
    assert np.array_equal(ours[1], ind.sma(c, n), equal_nan=True)


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (5, 35, 5), (3, 10, 16)])
def test_macd_matches_talib(fast: int, slow: int, signal: int, sp500: dict) -> None:
    # Arrange
    c = sp500["close"]
    # Act / Assert
    ours_all, ref_all = ind.macd(c, fast, slow, signal), talib.MACD(c, fast, slow, signal)
    for ours, ref in zip(ours_all, ref_all, strict=True):
        assert_matches_talib(ours, ref)


def test_zscore_matches_two_pass_reference(sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    c, n = sp500["close"], 20
    windows = np.lib.stride_tricks.sliding_window_view(c, n)
    ref = np.full_like(c, np.nan)
    ref[n - 1 :] = (c[n - 1 :] - windows.mean(axis=1)) / windows.std(axis=1)
    # Act / Assert
    np.testing.assert_allclose(ind.zscore(c, n), ref, rtol=1e-9, atol=1e-12)


def test_log_returns_match_numpy(sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    c = sp500["close"]
    ref = np.concatenate([[np.nan], np.log(c[1:] / c[:-1])])
    # Act / Assert
    np.testing.assert_allclose(ind.log_returns(c), ref, rtol=1e-12, atol=1e-15)


def test_crossings_match_vectorised_definition(sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    c = sp500["close"]
    m = ind.sma(c, 20)
    above, prev_above = c > m, np.concatenate([[False], c[:-1] <= m[:-1]])
    valid_prev = np.concatenate([[False], ~np.isnan(m[:-1])])
    below, prev_below = c < m, np.concatenate([[False], c[:-1] >= m[:-1]])
    # Act
    up, down = ind.crossover(c, m), ind.crossunder(c, m)
    # Assert
    assert up.dtype == np.bool_
    assert np.array_equal(up, above & prev_above & valid_prev)
    assert np.array_equal(down, below & prev_below & valid_prev)
    assert up.sum() > 50


@pytest.mark.parametrize("n", [2, 14, 30, 100])
def test_rolling_extremes_match_talib(n: int, sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    c = sp500["close"]
    # Act / Assert: max/min are selections, so they are exact
    assert np.array_equal(ind.rolling_max(c, n), talib.MAX(c, n), equal_nan=True)
    assert np.array_equal(ind.rolling_min(c, n), talib.MIN(c, n), equal_nan=True)


@pytest.mark.parametrize(("fastk", "slowk", "slowd"), [(14, 3, 3), (5, 3, 3), (9, 1, 4)])
def test_stoch_matches_talib(fastk: int, slowk: int, slowd: int, sp500: dict) -> None:
    # Arrange
    h, lo, c = sp500["high"], sp500["low"], sp500["close"]
    # Act
    ours = ind.stoch(h, lo, c, fastk, slowk, slowd)
    ref = talib.STOCH(h, lo, c, fastk, slowk, 0, slowd, 0)
    # Assert (values are 0..100; atol covers bars where the value is exactly 0)
    for a, b in zip(ours, ref, strict=True):
        assert np.array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-10, equal_nan=True)


@pytest.mark.parametrize("n", [5, 14, 30])
def test_willr_matches_talib(n: int, sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    h, lo, c = sp500["high"], sp500["low"], sp500["close"]
    # Act
    ours, ref = ind.willr(h, lo, c, n), talib.WILLR(h, lo, c, n)
    # Assert: TA-Lib 0.6's arithmetic (one division, clamp, relative flat test): same bits
    assert np.array_equal(ours.view(np.uint64), ref.view(np.uint64))


def test_vwap_matches_definition(sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    c, v, n = sp500["close"], sp500["volume"], 20
    pv = np.lib.stride_tricks.sliding_window_view(c * v, n).sum(axis=1)
    vol = np.lib.stride_tricks.sliding_window_view(v, n).sum(axis=1)
    ref = np.concatenate([np.full(n - 1, np.nan), pv / vol])
    # Act / Assert
    np.testing.assert_allclose(ind.vwap(c, v, n), ref, rtol=1e-9, equal_nan=True)


def _cpu_has_fma() -> bool:
    try:
        with open("/proc/cpuinfo") as f:
            return " fma " in f.read()
    except OSError:
        return False


@pytest.mark.skipif(not _cpu_has_fma(), reason="TA-Lib rounds its smoothing twice without FMA")
@pytest.mark.parametrize("n", [1, 2, 14, 200])
def test_atr_and_ema_equal_talib_bit_for_bit_on_fma_cpus(n: int, sp500: dict) -> None:
    # Arrange
    h, lo, c = sp500["high"], sp500["low"], sp500["close"]
    # Act
    pairs = [(ind.atr(h, lo, c, n), talib.ATR(h, lo, c, n))]
    if n >= 2:  # TA-Lib's EMA takes n >= 2
        pairs.append((ind.ema(c, n), talib.EMA(c, n)))
    # Assert: same bits everywhere, NaN warm-up included
    for ours, ref in pairs:
        assert np.array_equal(ours.view(np.uint64), ref.view(np.uint64))


@pytest.mark.skipif(not _cpu_has_fma(), reason="TA-Lib rounds its smoothing twice without FMA")
def test_macd_equals_talib_bit_for_bit_on_fma_cpus(sp500: dict[str, np.ndarray]) -> None:
    # Arrange
    c = sp500["close"]
    # Act / Assert
    for ours, ref in zip(ind.macd(c, 12, 26, 9), talib.MACD(c, 12, 26, 9), strict=True):
        assert np.array_equal(ours.view(np.uint64), ref.view(np.uint64))


@pytest.mark.parametrize("n", [2, 3, 20])  # TA-Lib MAX/MIN take n >= 2
def test_rolling_extremes_match_talib_on_monotone_and_tied_prices(n: int) -> None:
    # Arrange: falling (the maximum leaves the window every bar), rising, and flat stretches
    down = np.linspace(1e6, 1.0, 5_000)
    ties = np.repeat(np.arange(500.0) % 7, 10)
    for x in (down, down[::-1].copy(), ties):
        # Act / Assert
        assert np.array_equal(ind.rolling_max(x, n), talib.MAX(x, n), equal_nan=True)
        assert np.array_equal(ind.rolling_min(x, n), talib.MIN(x, n), equal_nan=True)
