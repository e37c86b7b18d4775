"""Vendor adapter resilience against a fake in-process vendor (it stands for a remote API)."""

import time
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from quant.data import ingest as ing
from quant.data.sources.vendor import (
    PermanentVendorError,
    ResiliencePolicy,
    ResilientVendor,
    VendorUnavailableError,
    status_error,
)
from quant.data.store import DatasetStore

START = datetime(2020, 1, 1, tzinfo=UTC)
END = datetime(2020, 1, 11, tzinfo=UTC)


class FakeVendor:
    """Replies from a script: an HTTP status to fail with, or "ok"; then "ok" forever."""

    name = "fake"

    def __init__(self, script=(), bad_row=None):
        self.script = list(script)
        self.calls = 0
        self.bad_row = bad_row

    def fetch_bars(self, symbol, start, end, timeframe):
        self.calls += 1
        step = self.script.pop(0) if self.script else "ok"
        if step != "ok":
            raise status_error(step, f"scripted failure #{self.calls}")
        days = (end - start).days
        close = [100.0 + i for i in range(days)]
        high = [c + 1 for c in close]
        if self.bad_row is not None:
            high[self.bad_row] = 1.0  # below low: must be quarantined
        return pl.DataFrame(
            {
                "ts": [start + timedelta(days=i) for i in range(days)],
                "open": close,
                "high": high,
                "low": [c - 1 for c in close],
                "close": close,
                "volume": [1e3] * days,
            }
        )


def _vendor(fake, **policy):
    sleeps = []
    v = ResilientVendor(fake, ResiliencePolicy(**policy), sleep=sleeps.append)
    return v, sleeps


def test_transient_errors_are_retried_with_exponential_backoff_and_jitter():
    fake = FakeVendor([503, 500, 429])
    vendor, sleeps = _vendor(fake, backoff_initial_s=1.0, jitter_s=0.5, backoff_max_s=30)
    bars = vendor.fetch_bars("X", START, END, "1d")
    assert bars.height == 10 and fake.calls == 4
    assert len(sleeps) == 3
    for wait, base in zip(sleeps, (1.0, 2.0, 4.0), strict=True):
        assert base <= wait <= base + 0.5


def test_permanent_4xx_fails_fast_without_retry_or_breaker_count():
    fake = FakeVendor([404, 401])
    vendor, sleeps = _vendor(fake, breaker_fail_max=1)
    with pytest.raises(PermanentVendorError, match="404"):
        vendor.fetch_bars("X", START, END, "1d")
    assert fake.calls == 1 and sleeps == []
    with pytest.raises(PermanentVendorError, match="401"):
        vendor.fetch_bars("X", START, END, "1d")
    assert vendor.breaker.current_state == "closed"


def test_breaker_opens_after_repeated_failures_fails_fast_then_recovers():
    fake = FakeVendor([503] * 3)
    vendor, _ = _vendor(fake, max_attempts=2, breaker_fail_max=3, breaker_reset_s=0.3)
    with pytest.raises(VendorUnavailableError, match="2 attempts failed"):
        vendor.fetch_bars("X", START, END, "1d")
    with pytest.raises(VendorUnavailableError, match="circuit open"):
        vendor.fetch_bars("X", START, END, "1d")  # the third failure trips the breaker
    calls = fake.calls
    with pytest.raises(VendorUnavailableError, match="circuit open"):
        vendor.fetch_bars("X", START, END, "1d")
    assert fake.calls == calls  # open: the vendor is not called at all
    time.sleep(0.35)
    assert vendor.fetch_bars("X", START, END, "1d").height == 10  # half-open trial succeeds
    assert vendor.breaker.current_state == "closed"


def test_rate_limit_spaces_calls():
    vendor, _ = _vendor(FakeVendor(), calls_per_second=10)
    t0 = time.perf_counter()
    for _ in range(15):
        vendor.fetch_bars("X", START, START + timedelta(days=1), "1d")
    assert time.perf_counter() - t0 >= 0.45


def test_vendor_bars_are_validated_quarantined_and_not_fetched_twice(tmp_path):
    store = DatasetStore(tmp_path / "lake", lock_timeout_s=10)
    fake = FakeVendor(bad_row=3)
    vendor, _ = _vendor(fake)
    report = ing.ingest_vendor(store, vendor, "bars_1d", "VND", START, END, "1d")
    assert report.rows_written == 9 and report.rows_quarantined == 1
    q = store.read("quarantine")
    assert q["line"].to_list() == [4] and "high_below_low" in q["reason"][0]
    assert q["source"][0].startswith("vendor:fake:VND:1d:")
    again = ing.ingest_vendor(store, vendor, "bars_1d", "VND", START, END, "1d")
    assert again.already_complete and fake.calls == 1
    assert store.read("bars_1d")["symbol"].unique().to_list() == ["VND"]
