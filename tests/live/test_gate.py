"""The trading gate the sensor and the live job consult: HALT and open breakers block."""

from __future__ import annotations

from quant.live.breaker import BreakerConfig, CircuitBreaker, Cooldown
from quant.live.gate import blocked_reason
from quant.live.halt import RECOVERY_STEPS, HaltSwitch
from quant.live.ledger import Ledger


def test_nothing_blocks_a_fresh_ledger(ledger: Ledger) -> None:
    assert blocked_reason(ledger, "sma") is None


def test_global_and_strategy_halts_block_with_their_reason(ledger: Ledger) -> None:
    HaltSwitch(ledger, scope="sma").halt("manual", "bad fills", who="alice")
    assert "HALTED (sma, manual): bad fills" in blocked_reason(ledger, "sma")
    assert blocked_reason(ledger, "rsi") is None
    switch = HaltSwitch(ledger)
    switch.halt("stale_data", "feed silent", who="auto")
    assert "HALTED (global, stale_data)" in blocked_reason(ledger, "rsi")
    for step in RECOVERY_STEPS:
        switch.confirm_step(step, "bob", "ok")
    switch.resume("bob", "feed back")
    assert blocked_reason(ledger, "rsi") is None


def test_open_breaker_blocks_until_its_cooldown_has_elapsed(ledger: Ledger, clock) -> None:
    cfg = BreakerConfig(fail_max=1, cooldown=Cooldown(strategy="fixed", base_s=30))
    CircuitBreaker("broker", ledger, cfg).record_failure("timeout")
    assert blocked_reason(ledger) == "circuit breaker 'broker' is open for 30 s"
    clock.advance(30)
    assert blocked_reason(ledger) is None  # the next run makes the trial call
