"""Fixtures for store tests: a fresh lake and small bar frames in the contract's schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from quant.data.store import DatasetStore

BAR_SCHEMA = {
    "symbol": pl.String,
    "ts": pl.Datetime("ns", "UTC"),
    "open": pl.Float64,
    "high": pl.Float64,
    "low": pl.Float64,
    "close": pl.Float64,
    "volume": pl.Float64,
    "adj_close": pl.Float64,
    "timeframe": pl.String,
}


def bars(symbol: str = "NVDA", n: int = 5, start: int = 0, price: float = 100.0) -> pl.DataFrame:
    """``n`` daily bars of ``symbol`` from 2020-01-01 + ``start`` days, in the bar schema."""
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    close = [price + i for i in range(n)]
    return pl.DataFrame(
        {
            "symbol": [symbol] * n,
            "ts": [t0 + timedelta(days=start + i) for i in range(n)],
            "open": close,
            "high": [c + 1 for c in close],
            "low": [c - 1 for c in close],
            "close": close,
            "volume": [1000.0] * n,
            "adj_close": [None] * n,
            "timeframe": ["1d"] * n,
        },
        schema=BAR_SCHEMA,
    )


@pytest.fixture
def store(tmp_path: Path) -> DatasetStore:
    """An empty store in a temp lake with a short lock timeout."""
    return DatasetStore(tmp_path / "lake", lock_timeout_s=5.0)
