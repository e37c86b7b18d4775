"""The tick logic behind the sensor and `quant live start`: stale feed -> HALT, run keys."""

from datetime import UTC, datetime

from quant.data.sources.vendor import ResilientVendor, status_error
from quant.data.store import DatasetStore
from quant.live.feeds import VendorFeed
from quant.live.gate import blocked_reason
from quant.live.halt import HaltSwitch
from quant.live.idempotency import run_key
from quant.live.tick import Cursor, LiveSpec, plan_tick
from quant.risk.instruments import MarketHours
from tests.backtest.sample_bars import daily_bars


def test_a_feed_silent_past_the_staleness_limit_halts_the_strategy(tmp_path, ledger, clock):
    store = DatasetStore(tmp_path / "lake")
    store.append("bars_1d", daily_bars("ORCL", 3))
    spec = LiveSpec("sma_crossover", ("ORCL",), staleness_s=60.0)
    feed = spec.make_feed(store)
    plan = plan_tick(spec, ledger, feed, Cursor(), clock(), max_runs=None)
    assert len(plan.runs) == 3 and plan.cursor.arrived_ns == clock()
    clock.advance(59)
    quiet = plan_tick(spec, ledger, feed, plan.cursor, clock())
    assert quiet.skip.startswith("no new bar") and blocked_reason(ledger, "sma_crossover") is None
    clock.advance(2)
    stale = plan_tick(spec, ledger, feed, plan.cursor, clock())
    assert stale.skip.startswith("HALTED (sma_crossover, stale_data): no new bar for 61 s")
    assert "stale_data" in blocked_reason(ledger, "sma_crossover")


def test_a_silent_feed_is_not_stale_while_the_market_is_closed(tmp_path, ledger, clock):
    store = DatasetStore(tmp_path / "lake")
    store.append("bars_1d", daily_bars("ORCL", 3))
    weekdays = MarketHours(days=(0, 1, 2, 3, 4))
    spec = LiveSpec("sma_crossover", ("ORCL",), staleness_s=60.0, hours=weekdays)
    feed = spec.make_feed(store)
    assert datetime.fromtimestamp(clock() / 1e9, tz=UTC).weekday() == 1  # a Tuesday
    plan = plan_tick(spec, ledger, feed, Cursor(), clock(), max_runs=None)
    clock.advance(4 * 86_400)  # Saturday: silent for days, but the market is closed
    quiet = plan_tick(spec, ledger, feed, plan.cursor, clock())
    assert quiet.skip.startswith("no new bar") and blocked_reason(ledger, "sma_crossover") is None
    clock.advance(2 * 86_400)  # Monday: the same silence halts
    stale = plan_tick(spec, ledger, feed, plan.cursor, clock())
    assert "stale_data" in stale.skip and "stale_data" in blocked_reason(ledger, "sma_crossover")


def test_run_keys_depend_on_strategy_symbol_set_and_bar_only():
    a = run_key("sma", ("ORCL", "NVDA"), 5)
    assert a == run_key("sma", ["NVDA", "ORCL"], 5)
    assert len({a, run_key("sma", ("ORCL",), 5), run_key("rsi", ("ORCL", "NVDA"), 5),
                run_key("sma", ("ORCL", "NVDA"), 6)}) == 4  # fmt: skip
    assert (
        Cursor.loads(Cursor(7, 8, 0).dumps()) == Cursor(7, 8, 0) and Cursor.loads(None) == Cursor()
    )


class DownVendor:
    """A remote vendor stand-in that refuses every call (HTTP 401)."""

    name = "down"

    def fetch_bars(self, symbol, start, end, timeframe):
        raise status_error(401, "bad key")


def test_a_failing_feed_is_a_skip_reason_and_counts_as_an_api_error(tmp_path, ledger, clock):
    spec = LiveSpec("sma_crossover", ("ORCL",))
    vendor = ResilientVendor(DownVendor(), sleep=lambda s: None)
    feed = VendorFeed(DatasetStore(tmp_path / "lake"), vendor, "bars_1d", ("ORCL",), "1d", 0,
                      clock=clock)  # fmt: skip
    plan = plan_tick(spec, ledger, feed, Cursor(), clock())
    assert plan.runs == [] and plan.skip.startswith("feed error: HTTP 401: bad key")
    assert HaltSwitch(ledger, scope="sma_crossover").api_errors_last_minute() == 1
