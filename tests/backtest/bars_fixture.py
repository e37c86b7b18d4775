"""Synthetic daily bars (the contract's bar schema) written to a real store for tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from quant.data.store import DatasetStore, VersionInfo


def synthetic_bars(symbol: str = "TEST", n: int = 300, seed: int = 1) -> pl.DataFrame:
    """A seeded random walk with trends, as daily bars stamped 00:00 UTC."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(
        np.cumsum(rng.normal(0.0003, 0.015, n) + 0.004 * np.sin(np.arange(n) / 15))
    )
    open_ = np.concatenate([[close[0]], close[:-1]]) * (1 + rng.normal(0, 0.002, n))
    high = np.maximum(open_, close) * (1 + np.abs(rng.normal(0, 0.004, n)))
    low = np.minimum(open_, close) * (1 - np.abs(rng.normal(0, 0.004, n)))
    start = np.datetime64("2010-01-04", "ns")
    ts = pl.Series("ts", start + np.arange(n) * np.timedelta64(1, "D")).dt.replace_time_zone("UTC")
    return pl.DataFrame(
        {
            "symbol": [symbol] * n,
            "ts": ts,
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": rng.uniform(1e6, 2e6, n),
            "adj_close": pl.Series([None] * n, dtype=pl.Float64),
            "timeframe": ["1d"] * n,
        }
    )


def write_bars(lake: Path, n: int = 300, symbols: tuple[str, ...] = ("TEST",)) -> VersionInfo:
    """Write ``bars_1d`` with the given symbols into the lake; returns the version info."""
    frames = [synthetic_bars(s, n, seed=i + 1) for i, s in enumerate(symbols)]
    return DatasetStore(lake).append("bars_1d", pl.concat(frames), message="test bars")
