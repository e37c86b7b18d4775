"""Real bars for the indicator tests: the shipped S&P 500 daily file, read with polars."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

SP500 = Path(__file__).resolve().parents[3] / "data" / "samples" / "sp500.csv.gz"


@pytest.fixture(scope="session")
def sp500() -> dict[str, np.ndarray]:
    """open/high/low/close/volume of the S&P 500 sample as float64 arrays (5031 bars)."""
    df = pl.read_csv(SP500)
    return {
        k.lower(): df[k].cast(pl.Float64).to_numpy()
        for k in ("Open", "High", "Low", "Close", "Volume")
    }
