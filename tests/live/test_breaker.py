"""Circuit breaker: transitions per cooldown strategy on a fake clock, persistence, threads."""

from __future__ import annotations

import json
import threading

import pytest

from quant.live.breaker import BreakerConfig, CircuitBreaker, CircuitOpen, Cooldown
from quant.live.ledger import Ledger
from quant.log import setup_logging


class VendorDown(Exception):
    pass


def _fail() -> None:
    raise VendorDown("503")


def _trip(b: CircuitBreaker) -> None:
    for _ in range(b.config.fail_max):
        with pytest.raises(VendorDown):
            b.call(_fail)


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("fixed", [10, 10, 10, 10, 10, 10]),
        ("exponential", [10, 20, 40, 80, 100, 100]),
        ("fibonacci", [10, 20, 30, 50, 80, 100]),
    ],
)
def test_cooldown_schedules_are_capped(strategy: str, expected: list[float]) -> None:
    cd = Cooldown(strategy=strategy, base_s=10, cap_s=100)
    assert [cd.seconds(n) for n in range(1, 7)] == expected


@pytest.mark.parametrize("strategy", ["fixed", "exponential", "fibonacci"])
def test_transitions_follow_each_cooldown_strategy(ledger: Ledger, clock, strategy: str) -> None:
    cd = Cooldown(strategy=strategy, base_s=10, cap_s=1000)
    b = CircuitBreaker("broker", ledger, BreakerConfig(fail_max=3, cooldown=cd))
    for _ in range(2):
        with pytest.raises(VendorDown):
            b.call(_fail)
        assert b.state == "closed"
    with pytest.raises(VendorDown):
        b.call(_fail)  # the third consecutive failure trips it
    for trip in (1, 2, 3):
        assert b.state == "open"
        with pytest.raises(CircuitOpen, match="'broker' is open"):
            b.call(lambda: "never runs")
        clock.ns += round(cd.seconds(trip) * 1e9) - 1
        assert b.state == "open"
        clock.ns += 1
        assert b.state == "half_open"
        with pytest.raises(VendorDown):
            b.call(_fail)  # the trial fails: open again, with the next cooldown
    clock.advance(cd.seconds(4))
    assert b.call(lambda: "ok") == "ok"
    assert b.state == "closed" and b.snapshot()["trips"] == 0
    moves = [
        (a["detail"]["old"], a["detail"]["new"]) for a in ledger.audit_trail("breaker_transition")
    ]
    assert moves[:3] == [("closed", "open"), ("open", "half_open"), ("half_open", "open")]
    assert moves[-1] == ("half_open", "closed") and len(moves) == 9


def test_success_clears_the_consecutive_failure_count(ledger: Ledger) -> None:
    b = CircuitBreaker("feed", ledger, BreakerConfig(fail_max=2))
    with pytest.raises(VendorDown):
        b.call(_fail)
    b.call(lambda: None)
    with pytest.raises(VendorDown):
        b.call(_fail)
    assert b.state == "closed"


def test_state_persists_across_instances_and_cooldown_continues(ledger_url: str, clock) -> None:
    cfg = BreakerConfig(fail_max=2, cooldown=Cooldown(strategy="fixed", base_s=30))
    first = CircuitBreaker("broker", Ledger(ledger_url, clock=clock), cfg)
    _trip(first)
    clock.advance(10)

    second = CircuitBreaker("broker", Ledger(ledger_url, clock=clock), cfg)  # next run
    assert second.state == "open"
    assert second.retry_at_ns() == first.retry_at_ns()
    clock.advance(20)
    assert second.state == "half_open"


def test_manual_reset_closes_and_is_audited(ledger: Ledger) -> None:
    b = CircuitBreaker("broker", ledger, BreakerConfig(fail_max=1))
    _trip(b)
    b.reset("alice", "vendor confirmed the outage is over")
    assert b.state == "closed"
    assert b.call(lambda: 7) == 7
    last = ledger.audit_trail("breaker_transition")[-1]
    assert last["who"] == "alice" and "vendor confirmed" in last["why"]
    with ledger.read() as r:
        assert r.breaker("broker")["state"] == "closed"


def test_half_open_lets_exactly_one_trial_through(ledger: Ledger, clock) -> None:
    b = CircuitBreaker("broker", ledger, BreakerConfig(fail_max=1))
    _trip(b)
    clock.advance(b.config.cooldown.seconds(1))
    b.before_call()  # the trial is running
    with pytest.raises(CircuitOpen, match="trial call is running"):
        b.before_call()
    b.record_success()
    assert b.state == "closed"


def test_concurrent_failures_from_threads_trip_exactly_once(ledger: Ledger) -> None:
    b = CircuitBreaker("broker", ledger, BreakerConfig(fail_max=10))
    barrier = threading.Barrier(8)
    refused, executed = [], []

    def worker() -> None:
        barrier.wait()
        for _ in range(5):
            try:
                b.call(_fail)
            except VendorDown:
                executed.append(1)
            except CircuitOpen:
                refused.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = b.snapshot()
    assert snap["state"] == "open" and snap["trips"] == 1
    assert len(executed) >= 10 and len(executed) + len(refused) == 8 * 5
    assert len(ledger.audit_trail("breaker_transition")) == 1


def test_guard_decorator_counts_failures_like_call(ledger: Ledger) -> None:
    b = CircuitBreaker("feed", ledger, BreakerConfig(fail_max=2))
    fetch = b.guard(_fail)
    for _ in range(2):
        with pytest.raises(VendorDown):
            fetch()
    with pytest.raises(CircuitOpen):
        fetch()


def test_transitions_are_logged_as_json_lines(ledger: Ledger, tmp_path) -> None:
    setup_logging(tmp_path / "logs", "INFO")
    b = CircuitBreaker("vendor-feed", ledger, BreakerConfig(fail_max=1))
    _trip(b)
    lines = (tmp_path / "logs" / "quant.jsonl").read_text().splitlines()
    rec = [json.loads(x) for x in lines if "vendor-feed" in x][-1]
    assert rec["event"] == "circuit breaker transition"
    assert (rec["old"], rec["new"], rec["breaker"]) == ("closed", "open", "vendor-feed")
