"""Bars with a pair model's input columns: a synthetic second leg and its rolling hedge ratio."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import polars as pl

from quant.backtest.bars import BarArrays
from quant.data.store import DatasetStore
from quant.models.hedge import rolling_hedge_ratio
from tests.backtest.sample_bars import SAMPLES, daily_bars


def with_pair_inputs(bars: BarArrays, window: int = 30, seed: int = 11) -> BarArrays:
    """One-symbol ``bars`` plus x_close (close / 2 + seeded noise) and its rolling OLS fit."""
    y = bars.close[:, 0]
    rng = np.random.default_rng(seed)
    x = y / 2.0 + np.cumsum(rng.normal(scale=0.2, size=len(y)))
    fit = rolling_hedge_ratio(y, x, window)
    cols = {"x_close": x, "hedge_alpha": fit.alpha, "hedge_beta": fit.beta}
    cols["hedge_resid_sd"] = fit.resid_sd
    extra = {k: np.ascontiguousarray(v.reshape(-1, 1)) for k, v in cols.items()}
    return dataclasses.replace(bars, extra=extra)


def make_pair_store(root: Path) -> DatasetStore:
    """A store whose ``bars_1d`` v0 holds 800 YHOO daily bars and ORCL's on the same days."""
    store = DatasetStore(root)
    yhoo = daily_bars("YHOO", 800)
    orcl = daily_bars("ORCL").filter(pl.col("ts").is_in(yhoo["ts"].implode()))
    store.append("bars_1d", pl.concat([orcl, yhoo]), message="test bars")
    return store


def arch_bars(symbol: str, n: int | None = None) -> pl.DataFrame:
    """The shipped S&P 500 (SPX) or NASDAQ (NDX) daily sample in the bar schema."""
    path = SAMPLES / {"SPX": "sp500.csv.gz", "NDX": "nasdaq.csv.gz"}[symbol]
    df = pl.read_csv(path, n_rows=n)
    return df.select(
        pl.lit(symbol).alias("symbol"),
        pl.col("Date").str.to_date("%m/%d/%Y").cast(pl.Datetime("ns", "UTC")).alias("ts"),
        *(pl.col(c.title()).cast(pl.Float64).alias(c) for c in ("open", "high", "low", "close")),
        pl.col("Volume").cast(pl.Float64).alias("volume"),
        pl.col("Adj Close").cast(pl.Float64).alias("adj_close"),
        pl.lit("1d").alias("timeframe"),
    )
