"""The kill switch: HALT episodes, close vs freeze, recovery checklist enforced and audited
(on a SQLite ledger and on a real Postgres server)."""

from __future__ import annotations

import pytest

from quant.live.halt import (
    RECOVERY_STEPS,
    HaltSwitch,
    RecoveryIncomplete,
    TradingHalted,
)
from quant.live.ledger import Ledger
from quant.risk.halt import HaltConfig, HaltInputs
from tests.live.backends import ledger_url  # noqa: F401 - the fixture: SQLite and Postgres


def _recover(switch: HaltSwitch, who: str = "bob") -> None:
    for step in RECOVERY_STEPS:
        switch.confirm_step(step, who, f"did {step}")


def test_automatic_halt_on_drawdown_returns_the_configured_action(ledger: Ledger) -> None:
    for action in ("close", "freeze"):
        switch = HaltSwitch(ledger, HaltConfig(action=action), scope=f"acct-{action}")
        assert switch.check(HaltInputs(100.0, 100.0, 100.0)) is None
        result = switch.check(HaltInputs(equity=80.0, day_start_equity=80.0, peak_equity=100.0))
        assert result is not None and result.new
        assert (result.action, result.code) == (action, "total_drawdown")
        assert switch.halted


def test_manual_halt_overrides_the_action_and_blocks_trading(ledger: Ledger) -> None:
    switch = HaltSwitch(ledger)
    action = switch.halt("manual", "news event", who="alice", action="freeze")
    assert action.action == "freeze" and action.episode == 1
    with pytest.raises(TradingHalted, match="manual: news event"):
        switch.ensure_trading_allowed()
    again = switch.halt("api_errors", "second trigger", who="auto")
    assert not again.new and again.episode == 1 and again.code == "manual"
    switch.halt("api_errors", "same trigger next bar", who="auto")
    assert [a["what"] for a in ledger.audit_trail()] == ["halt", "halt_again"]


def test_resume_is_refused_until_every_step_is_confirmed(ledger: Ledger, clock) -> None:
    switch = HaltSwitch(ledger)
    switch.halt("manual", "test", who="alice")
    with pytest.raises(RecoveryIncomplete, match="reconcile_positions, check_data_feed"):
        switch.resume("alice", "impatient")
    switch.confirm_step("reconcile_positions", "bob", "broker matches ledger")
    with pytest.raises(RecoveryIncomplete, match="'check_data_feed' comes before"):
        switch.confirm_step("confirm_resume", "bob", "skip ahead")
    with pytest.raises(RecoveryIncomplete, match="already confirmed"):
        switch.confirm_step("reconcile_positions", "bob", "twice")
    with pytest.raises(RecoveryIncomplete, match="needs a reason"):
        switch.confirm_step("check_data_feed", "bob", "  ")
    for step in RECOVERY_STEPS[1:]:
        clock.advance(1)
        switch.confirm_step(step, "carol", f"checked {step}")
    switch.resume("carol", "all clear")

    assert not switch.halted
    switch.ensure_trading_allowed()
    audit = ledger.audit_trail()
    steps = [(a["who"], a["detail"]["step"]) for a in audit if a["what"] == "recovery_step"]
    assert steps == [("bob", "reconcile_positions")] + [("carol", s) for s in RECOVERY_STEPS[1:]]
    assert [a["what"] for a in audit if a["what"] in ("halt", "resume")] == ["halt", "resume"]
    assert all(a["ts"] > 0 and a["why"] for a in audit)


def test_a_new_halt_needs_a_fresh_checklist(ledger: Ledger) -> None:
    switch = HaltSwitch(ledger)
    switch.halt("manual", "first", who="alice")
    _recover(switch)
    switch.resume("bob", "ok")
    second = switch.halt("stale_data", "feed silent", who="auto")
    assert second.episode == 2
    assert switch.status()["steps_missing"] == list(RECOVERY_STEPS)
    with pytest.raises(RecoveryIncomplete):
        switch.resume("bob", "steps of episode 1 do not count")


def test_recovery_without_a_halt_is_refused(ledger: Ledger) -> None:
    switch = HaltSwitch(ledger)
    with pytest.raises(RecoveryIncomplete, match="not halted"):
        switch.confirm_step("reconcile_positions", "bob", "why not")
    with pytest.raises(RecoveryIncomplete, match="not halted"):
        switch.resume("bob", "nothing")


def test_halt_state_survives_a_new_ledger_instance(ledger_url: str, clock) -> None:  # noqa: F811
    HaltSwitch(Ledger(ledger_url, clock=clock)).halt("manual", "restart test", who="alice")
    reopened = HaltSwitch(Ledger(ledger_url, clock=clock))
    assert reopened.halted and reopened.status()["reason"] == "restart test"


def test_api_errors_per_minute_feed_the_halt_condition(ledger: Ledger, clock) -> None:
    switch = HaltSwitch(ledger)
    for _ in range(9):
        switch.record_api_error("broker", "timeout")
        clock.advance(5)
    assert switch.api_errors_last_minute() == 9
    inputs = HaltInputs(100.0, 100.0, 100.0, api_errors_last_minute=9)
    assert switch.check(inputs) is None
    switch.record_api_error("broker", "timeout")
    clock.advance(1)
    n = switch.api_errors_last_minute()
    result = switch.check(HaltInputs(100.0, 100.0, 100.0, api_errors_last_minute=n))
    assert n == 10 and result is not None and result.code == "api_errors"
    clock.advance(60)
    assert switch.api_errors_last_minute() == 0
