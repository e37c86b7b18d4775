"""Shipped Yahoo-layout daily samples as bar-schema polars frames (test input, no ingest)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
FILES = {"ORCL": "orcl-1995-2014.txt", "NVDA": "nvda-1999-2014.txt", "YHOO": "yhoo-1996-2014.txt"}


def daily_bars(symbol: str = "ORCL", n: int | None = None) -> pl.DataFrame:
    """The sample's daily bars in the bar schema (first ``n`` rows if given)."""
    df = pl.read_csv(SAMPLES / FILES[symbol], n_rows=n)
    return df.select(
        pl.lit(symbol).alias("symbol"),
        pl.col("Date").str.to_date().cast(pl.Datetime("ns", "UTC")).alias("ts"),
        pl.col("Open").cast(pl.Float64).alias("open"),
        pl.col("High").cast(pl.Float64).alias("high"),
        pl.col("Low").cast(pl.Float64).alias("low"),
        pl.col("Close").cast(pl.Float64).alias("close"),
        pl.col("Volume").cast(pl.Float64).alias("volume"),
        pl.col("Adj Close").cast(pl.Float64).alias("adj_close"),
        pl.lit("1d").alias("timeframe"),
    )
