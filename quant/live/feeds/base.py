"""The feed interface: new bars of a symbol list since a cursor, read from the dataset store.

Every feed lands its bars in the lake first (the replay feed's are there already; the inbox
and vendor feeds ingest them with the usual validation and quarantine), so a bar the live
job trades is always a stored, versioned row. ``Feed.poll(since_ns)`` returns a
:class:`Poll`: the new bars (``ts > since_ns``, oldest first) and the dataset version they
were read from, which the live job pins to read the very same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import polars as pl

PRICES = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class Bar:
    """One bar of one symbol (ts int64 ns UTC)."""

    symbol: str
    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True)
class Poll:
    """What one poll found: new bars (oldest first) and the dataset version they come from."""

    bars: list[Bar] = field(default_factory=list)
    version: int | None = None

    @property
    def timestamps(self) -> list[int]:
        """The distinct bar timestamps, oldest first (ns)."""
        return sorted({b.ts for b in self.bars})


class Feed(Protocol):
    """A source of new bars for a fixed symbol list."""

    dataset: str
    symbols: tuple[str, ...]

    def poll(self, since_ns: int | None) -> Poll:
        """Bars with ``ts > since_ns`` (all bars when None), oldest first."""
        ...


def read_bars(
    store: Any,
    dataset: str,
    symbols: tuple[str, ...],
    version: int,
    after_ns: int | None = None,
    until_ns: int | None = None,
) -> pl.DataFrame:
    """Bars of ``symbols`` in ``(after_ns, until_ns]`` of one dataset version, by ts, symbol."""
    lf = store.scan(dataset, version=version).filter(pl.col("symbol").is_in(list(symbols)))
    ts = pl.col("ts").dt.epoch("ns")
    if after_ns is not None:
        lf = lf.filter(ts > after_ns)
    if until_ns is not None:
        lf = lf.filter(ts <= until_ns)
    return lf.sort("ts", "symbol").collect()


def to_bars(frame: pl.DataFrame) -> list[Bar]:
    """Frame rows as :class:`Bar` (ts as ns)."""
    df = frame.select("symbol", pl.col("ts").dt.epoch("ns"), *PRICES)
    return [Bar(*row) for row in df.iter_rows()]


def rows_at(bars: list[Bar], symbols: tuple[str, ...], ts: int) -> np.ndarray:
    """float64[S, 5] open..volume of each symbol at ``ts`` (NaN where a symbol has no bar)."""
    out = np.full((len(symbols), 5), np.nan)
    index = {s: i for i, s in enumerate(symbols)}
    for b in bars:
        if b.ts == ts and b.symbol in index:
            out[index[b.symbol]] = (b.open, b.high, b.low, b.close, b.volume)
    return out
