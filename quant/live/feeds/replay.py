"""The replay feed: a pinned dataset version played forward (the embedded default).

The version is resolved once (explicit, or the latest when the feed is made) and never
changes, so replaying the same feed twice gives the same bars. ``step`` bars (timestamps)
are released per poll - 1 is one bar per tick - or every remaining bar with ``step=None``
(as fast as the caller consumes them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from quant.live.feeds.base import Poll, read_bars, to_bars


class ReplayFeed:
    """Bars of ``symbols`` from ``dataset`` at one pinned version, ``step`` timestamps a poll."""

    def __init__(
        self,
        store: Any,
        dataset: str,
        symbols: Sequence[str],
        version: int | None = None,
        step: int | None = 1,
        start_ns: int | None = None,
        end_ns: int | None = None,
    ) -> None:
        if step is not None and step < 1:
            raise ValueError("replay step must be at least one bar (or None for all)")
        self.store, self.dataset, self.symbols = store, dataset, tuple(sorted(set(symbols)))
        self.version = store.resolve(dataset, version=version)
        self.step, self.start_ns, self.end_ns = step, start_ns, end_ns
        self._frame: pl.DataFrame | None = None

    def frame(self) -> pl.DataFrame:
        """Every bar of the window (read once; the version is pinned)."""
        if self._frame is None:
            after = None if self.start_ns is None else self.start_ns - 1
            self._frame = read_bars(
                self.store, self.dataset, self.symbols, self.version, after, self.end_ns
            ).with_columns(pl.col("ts").dt.epoch("ns").alias("_ns"))
        return self._frame

    def poll(self, since_ns: int | None) -> Poll:
        """The next ``step`` timestamps after ``since_ns`` (all remaining when step is None)."""
        df = self.frame()
        if since_ns is not None:
            df = df.filter(pl.col("_ns") > since_ns)
        if self.step is not None and df.height:
            stamps = df["_ns"].unique().sort().head(self.step)
            df = df.filter(pl.col("_ns") <= stamps[-1])
        return Poll(to_bars(df.drop("_ns")), self.version)
