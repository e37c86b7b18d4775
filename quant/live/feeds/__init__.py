"""Live feeds: new bars since a cursor (replay of a pinned version, an inbox folder, a vendor).

``Feed.poll(since_ns) -> Poll(bars, version)``; ``stale_trigger`` detects a feed that went
quiet during market hours (the HALT condition ``stale_data``).
"""

from quant.live.feeds.base import Bar, Feed, Poll, read_bars, rows_at
from quant.live.feeds.inbox import InboxFeed
from quant.live.feeds.replay import ReplayFeed
from quant.live.feeds.staleness import stale_trigger
from quant.live.feeds.vendor import VendorFeed

__all__ = [
    "Bar", "Feed", "InboxFeed", "Poll", "ReplayFeed", "VendorFeed", "read_bars", "rows_at",
    "stale_trigger",
]  # fmt: skip
