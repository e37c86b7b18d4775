"""A lake holding shipped daily bars (ORCL, YHOO) in ``bars_1d``, written straight to the store."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from quant.data.store import DatasetStore
from tests.backtest.sample_bars import daily_bars


@pytest.fixture
def pair_store(tmp_path: Path) -> DatasetStore:
    """A store whose ``bars_1d`` v0 holds 800 YHOO daily bars and ORCL's on the same days."""
    store = DatasetStore(tmp_path / "lake")
    yhoo = daily_bars("YHOO", 800)
    orcl = daily_bars("ORCL").filter(pl.col("ts").is_in(yhoo["ts"].implode()))
    bars = pl.concat([orcl, yhoo])
    store.append("bars_1d", bars, message="test bars")
    return store
