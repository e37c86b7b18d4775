"""Resampling bars to a coarser timeframe (5m -> 1h -> 1d) with OHLCV aggregation.

Buckets are UTC, **left-closed and left-labelled**: the 1h bucket labelled 10:00 holds the
bars stamped 10:00 <= ts < 11:00, and a 1d bucket labelled 2006-01-02 00:00 holds every bar
stamped on that UTC date. Per bucket and symbol: open = first open, high = max high, low =
min low, close = last close, volume = sum of volumes, adj_close = last adj_close. Buckets
without bars are not emitted (no forward filling). Input bars are taken as they are stamped;
the shipped 5-minute file's clock times are used as bucket keys without shifting.
"""

from __future__ import annotations

import re

import polars as pl

from quant.data.bars import conform
from quant.errors import QuantError

_EVERY = re.compile(r"(\d+)(m|h|d)")
_UNIT_NS = {"m": 60 * 10**9, "h": 3600 * 10**9, "d": 86400 * 10**9}


class ResampleError(QuantError):
    """The target timeframe is malformed or not coarser than the input."""


def timeframe_ns(timeframe: str) -> int:
    """Length of a timeframe such as ``5m``, ``1h``, ``1d`` in nanoseconds."""
    m = _EVERY.fullmatch(timeframe)
    if not m:
        raise ResampleError(f"invalid timeframe {timeframe!r}: use e.g. 5m, 1h, 1d")
    return int(m.group(1)) * _UNIT_NS[m.group(2)]


def resample(bars: pl.DataFrame | pl.LazyFrame, timeframe: str) -> pl.DataFrame:
    """Aggregate canonical bars into ``timeframe`` buckets (see module doc for conventions)."""
    every = timeframe_ns(timeframe)
    lf = bars.lazy()
    src = lf.select(pl.col("timeframe").unique()).collect()["timeframe"].to_list()
    for tf in src:
        if timeframe_ns(tf) >= every or every % timeframe_ns(tf):
            raise ResampleError(f"cannot resample {tf} bars to {timeframe}: not a coarser multiple")
    out = (
        lf.sort("symbol", "ts")
        .group_by_dynamic(
            "ts", every=timeframe, period=timeframe, closed="left", label="left", group_by="symbol"
        )
        .agg(
            pl.col("open").first(),
            pl.col("high").max(),
            pl.col("low").min(),
            pl.col("close").last(),
            pl.col("volume").sum(),
            pl.col("adj_close").last(),
        )
        .with_columns(pl.lit(timeframe).alias("timeframe"))
        .sort("symbol", "ts")
        .collect()
    )
    return conform(out)
