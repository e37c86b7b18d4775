"""Daily bars in the contract's bar schema, made from the shipped S&P 500 / Nasdaq files."""

from __future__ import annotations

from pathlib import Path

import polars as pl

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def sample_bars(symbol: str = "SPX", file: str = "sp500.csv.gz", rows: int | None = None):
    """Bars of one shipped Yahoo-style file as a polars frame in the bar schema."""
    df = pl.read_csv(SAMPLES / file)
    if rows is not None:
        df = df.head(rows)
    return df.select(
        pl.lit(symbol).alias("symbol"),
        pl.col("Date").str.to_date("%m/%d/%Y").cast(pl.Datetime("ns", "UTC")).alias("ts"),
        *[pl.col(c).cast(pl.Float64).alias(c.lower()) for c in ("Open", "High", "Low", "Close")],
        pl.col("Volume").cast(pl.Float64).alias("volume"),
        pl.col("Adj Close").cast(pl.Float64).alias("adj_close"),
        pl.lit("1d").alias("timeframe"),
    )


def two_symbol_bars(rows: int | None = None) -> pl.DataFrame:
    """SPX and NDX daily bars, rows interleaved (not sorted by symbol)."""
    both = pl.concat(
        [sample_bars("SPX", "sp500.csv.gz", rows), sample_bars("NDX", "nasdaq.csv.gz", rows)]
    )
    return both.sort("ts", "symbol")
