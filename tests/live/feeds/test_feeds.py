"""Feeds: replay of a pinned version, inbox files through the real ingest, vendor, staleness."""

from datetime import UTC, datetime

import polars as pl

from quant.data.sources.vendor import ResiliencePolicy, ResilientVendor, status_error
from quant.data.store import DatasetStore
from quant.live.feeds import InboxFeed, ReplayFeed, VendorFeed, rows_at, stale_trigger
from quant.risk.instruments import MarketHours
from tests.backtest.sample_bars import daily_bars

NS = 1_000_000_000


def _ns(frame: pl.DataFrame) -> list[int]:
    return frame["ts"].dt.epoch("ns").to_list()


def test_replay_feed_plays_a_pinned_version_one_bar_per_poll(tmp_path):
    store = DatasetStore(tmp_path / "lake")
    bars = pl.concat([daily_bars("ORCL", 5), daily_bars("NVDA", 5)])
    store.append("bars_1d", bars)
    feed = ReplayFeed(store, "bars_1d", ["ORCL", "NVDA"])
    store.append("bars_1d", daily_bars("YHOO", 5))  # a later version is not seen
    stamps, cursor = [], None
    while (poll := feed.poll(cursor)).bars:
        assert poll.version == 0 and len(poll.timestamps) == 1
        assert {b.symbol for b in poll.bars} <= {"NVDA", "ORCL"}
        cursor = poll.timestamps[-1]
        stamps.append(cursor)
    assert stamps == sorted(set(_ns(bars)))
    first = feed.poll(None)
    rows = rows_at(first.bars, feed.symbols, stamps[0])  # symbols sorted: NVDA, ORCL
    assert tuple(rows[1].tolist()) == daily_bars("ORCL", 1).select(
        "open", "high", "low", "close", "volume").row(0)  # fmt: skip


def test_replay_feed_releases_everything_at_once_with_no_step(tmp_path):
    store = DatasetStore(tmp_path / "lake")
    store.append("bars_1d", daily_bars("ORCL", 7))
    feed = ReplayFeed(store, "bars_1d", ["ORCL"], step=None)
    first = feed.poll(None)
    assert len(first.timestamps) == 7
    assert feed.poll(first.timestamps[2]).timestamps == first.timestamps[3:]


def _canonical(frame: pl.DataFrame) -> str:
    rows = frame.select(
        "symbol", pl.col("ts").dt.strftime("%Y-%m-%d"), "open", "high", "low", "close", "volume"
    )
    return "symbol,ts,open,high,low,close,volume\n" + rows.write_csv(include_header=False)


def test_inbox_feed_ingests_a_dropped_file_quarantines_a_bad_row_and_never_reingests(tmp_path):
    store = DatasetStore(tmp_path / "lake")
    bars = daily_bars("ORCL", 6)
    store.append("bars_1d", bars.head(4))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = "ORCL,2099-01-01,10,9,11,10,100\n"  # high below low: quarantined
    (inbox / "next.csv").write_text(_canonical(bars.slice(4, 2)) + bad)
    (inbox / "half.csv.part").write_text("symbol,ts\n")  # still being written: left alone
    feed = InboxFeed(store, inbox, "bars_1d", ["ORCL"])
    poll = feed.poll(_ns(bars)[3])
    assert poll.timestamps == _ns(bars)[4:6]
    assert [b.close for b in poll.bars] == bars["close"].to_list()[4:6]
    assert feed.reports[0].rows_written == 2 and feed.reports[0].rows_quarantined == 1
    assert store.read("quarantine").height == 1
    assert (inbox / "processed" / "next.csv").is_file() and (inbox / "half.csv.part").exists()
    again = feed.poll(poll.timestamps[-1])  # nothing waiting, nothing new
    assert again.bars == [] and feed.reports == []


def test_inbox_feed_moves_an_unreadable_file_aside(tmp_path):
    store = DatasetStore(tmp_path / "lake")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "junk.csv").write_text("what,is,this\n1,2,3\n")
    feed = InboxFeed(store, inbox, "bars_1d", ["ORCL"])
    assert feed.poll(None).bars == []
    assert (inbox / "failed" / "junk.csv").is_file()


class FlakyVendor:
    """A remote vendor stand-in (the one mocked part): fails once with a 503, then answers."""

    name = "flaky"

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame, self.calls = frame, 0

    def fetch_bars(self, symbol, start, end, timeframe):
        self.calls += 1
        if self.calls == 1:
            raise status_error(503, "busy")
        f = self.frame.filter(pl.col("ts") >= start, pl.col("ts") < end)
        return f.select("ts", "open", "high", "low", "close", "volume")


def test_vendor_feed_stores_through_the_resilient_wrapper_and_returns_new_bars(tmp_path):
    store = DatasetStore(tmp_path / "lake")
    bars = daily_bars("ORCL", 10)
    adapter = FlakyVendor(bars)
    vendor = ResilientVendor(adapter, ResiliencePolicy(jitter_s=0), sleep=lambda s: None)
    now = _ns(bars)[5] + NS
    start = int(datetime(1990, 1, 1, tzinfo=UTC).timestamp()) * NS
    feed = VendorFeed(store, vendor, "bars_1d", ["ORCL"], "1d", start, clock=lambda: now)
    poll = feed.poll(None)
    assert poll.timestamps == _ns(bars)[:6] and adapter.calls == 2  # retried once
    now = _ns(bars)[-1] + NS
    assert feed.poll(poll.timestamps[-1]).timestamps == _ns(bars)[6:]


def test_stale_feed_is_detected_after_the_limit_only_while_the_market_is_open():
    monday_noon = int(datetime(2026, 11, 30, 12, tzinfo=UTC).timestamp()) * NS
    assert stale_trigger(monday_noon, monday_noon + 60 * NS) is None
    t = stale_trigger(monday_noon, monday_noon + 61 * NS)
    assert t is not None and t.code == "stale_data" and "61 s" in t.reason
    weekdays = MarketHours(days=(0, 1, 2, 3, 4))
    saturday = monday_noon + 5 * 86_400 * NS
    assert stale_trigger(saturday - 3600 * NS, saturday, hours=weekdays) is None
    assert stale_trigger(None, monday_noon) is None  # never started: nothing to be stale
    assert stale_trigger(monday_noon, monday_noon + 999 * NS, limit_s=0) is None  # off
