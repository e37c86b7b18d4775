"""The vendor feed: bars fetched from a remote service through the existing resilient wrapper.

A :class:`quant.data.sources.vendor.ResilientVendor` (rate limit, retries with backoff and
jitter, circuit breaker) fetches ``(cursor, now]`` for each symbol and
``quant.data.ingest.ingest_vendor`` stores it with the same validation and quarantine as a
file; the feed then returns the stored bars newer than the cursor. Errors of the vendor
(``VendorError``) propagate so the caller can count them as API errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from quant.data.ingest import IngestReport, ingest_vendor
from quant.live.feeds.base import Poll, read_bars, to_bars


def _utc(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 1_000_000_000, tz=UTC).replace(
        microsecond=(ns // 1000) % 1_000_000
    )


class VendorFeed:
    """Bars of ``symbols`` from ``vendor`` (a ResilientVendor), stored into ``dataset``."""

    def __init__(
        self,
        store: Any,
        vendor: Any,
        dataset: str,
        symbols: Sequence[str],
        timeframe: str,
        start_ns: int,
        clock: Callable[[], int],
    ) -> None:
        self.store, self.vendor, self.dataset = store, vendor, dataset
        self.symbols = tuple(sorted(set(symbols)))
        self.timeframe, self.start_ns, self.clock = timeframe, start_ns, clock
        self.reports: list[IngestReport] = []

    def poll(self, since_ns: int | None) -> Poll:
        """Fetch and store ``(since_ns, now]`` of every symbol; the stored bars after it."""
        start = _utc(self.start_ns if since_ns is None else since_ns + 1000)
        end = _utc(self.clock() + 1000)
        self.reports = [
            ingest_vendor(self.store, self.vendor, self.dataset, s, start, end, self.timeframe)
            for s in self.symbols
        ]
        version = self.store.resolve(self.dataset)
        df = read_bars(self.store, self.dataset, self.symbols, version, since_ns)
        return Poll(to_bars(df), version)
