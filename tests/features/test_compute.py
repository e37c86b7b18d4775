"""compute_features: per-symbol kernel calls, column wiring, missing values, errors."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from quant.core import indicators as ind
from quant.features import DAILY_SPECS, FeatureSpecError, compute_features
from tests.features.bars import sample_bars, two_symbol_bars


@pytest.fixture(scope="module")
def bars() -> pl.DataFrame:
    return two_symbol_bars(rows=600)


def test_features_equal_direct_kernel_calls_per_symbol(bars: pl.DataFrame) -> None:
    # Act
    feats = compute_features(bars, DAILY_SPECS)
    # Assert: one row per bar, sorted, and each symbol's columns are the kernels' output
    assert feats.height == bars.height
    assert feats.select("symbol", "ts").equals(bars.sort("symbol", "ts").select("symbol", "ts"))
    for sym in ("NDX", "SPX"):
        part = bars.filter(pl.col("symbol") == sym).sort("ts")
        f = feats.filter(pl.col("symbol") == sym)
        c, h, lo = (part[k].to_numpy() for k in ("close", "high", "low"))
        assert np.array_equal(f["rsi_14"].to_numpy(), ind.rsi(c, 14), equal_nan=True)
        assert np.array_equal(f["atr_14"].to_numpy(), ind.atr(h, lo, c, 14), equal_nan=True)
        assert np.array_equal(f["macd_hist"].to_numpy(), ind.macd(c)[2], equal_nan=True)
        vol = ind.rolling_std(ind.log_returns(c), 20)
        assert np.array_equal(f["vol_20"].to_numpy(), vol, equal_nan=True)
        up = ind.crossover(c, ind.sma(c, 20))
        assert np.array_equal(f["cross_up_sma_20"].to_numpy(), up)


def test_null_inputs_are_missing_bars() -> None:
    # Arrange
    bars = sample_bars(rows=100).with_columns(
        pl.when(pl.int_range(pl.len()) == 50).then(None).otherwise(pl.col("close")).alias("close")
    )
    spec = [{"kernel": "sma", "params": {"n": 5}, "outputs": ["sma_5"]}]
    # Act
    out = compute_features(bars, spec)["sma_5"].to_numpy()
    # Assert
    c = bars["close"].to_numpy()
    assert np.isnan(out[50])
    assert np.array_equal(out, ind.sma(c, 5), equal_nan=True)


def test_unknown_input_column_raises_clear_error() -> None:
    spec = [{"kernel": "sma", "params": {"n": 5}, "inputs": ["closee"], "outputs": ["s"]}]
    with pytest.raises(FeatureSpecError, match="reads column 'closee'"):
        compute_features(sample_bars(rows=10), spec)


def test_non_numeric_input_column_is_rejected() -> None:
    spec = [{"kernel": "sma", "params": {"n": 5}, "inputs": ["timeframe"], "outputs": ["s"]}]
    with pytest.raises(FeatureSpecError, match="not numeric"):
        compute_features(sample_bars(rows=10), spec)


def test_empty_bars_give_empty_frame_with_feature_columns() -> None:
    out = compute_features(sample_bars(rows=0), DAILY_SPECS)
    assert out.height == 0
    assert out.columns[:2] == ["symbol", "ts"] and "rsi_14" in out.columns
