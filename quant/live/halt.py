"""The kill switch: HALT state in the ledger, and resume only after a recovery checklist.

``HaltSwitch.halt`` (automatic via ``check``, the CLI ``quant live halt --reason``, or a
Dagster job) records a new HALT episode and returns the action the engine must carry out:
``close`` all positions or ``freeze`` them (``HaltConfig.action``, or per call). While
halted, ``ensure_trading_allowed`` raises. ``resume`` is refused until every step of
``RECOVERY_STEPS`` has been confirmed for the current episode, in order, each recorded with
who, when and why (``quant live recovery --step ... --why ...``). Everything is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quant.errors import QuantError
from quant.live.ledger import Ledger
from quant.log import get_logger
from quant.risk.halt import HaltActionName, HaltConfig, HaltInputs, evaluate_halt

log = get_logger("quant.live.halt")

#: The recovery checklist, in the order the steps must be confirmed.
RECOVERY_STEPS: tuple[str, ...] = (
    "reconcile_positions",  # broker positions and orders match the ledger
    "check_data_feed",  # bars arrive and are fresh
    "review_cause",  # the reason for the HALT is understood and dealt with
    "confirm_resume",  # a human confirms trading may resume
)
API_ERROR = "api_error"


class TradingHalted(QuantError):
    """Trading is halted; names the reason and how to resume."""


class RecoveryIncomplete(QuantError):
    """Resume or a recovery step was refused (names the missing steps)."""


@dataclass(frozen=True)
class HaltAction:
    """What the engine must do after a HALT: ``close`` or ``freeze`` positions."""

    action: HaltActionName
    code: str
    reason: str
    episode: int
    new: bool  # False if the switch was already halted (nothing new to execute)


class HaltSwitch:
    """HALT state of one scope (``global`` or a strategy) kept in the ledger."""

    def __init__(self, ledger: Ledger, config: HaltConfig | None = None, scope: str = "global"):
        self.ledger = ledger
        self.config = config or HaltConfig()
        self.scope = scope

    def status(self) -> dict[str, Any]:
        """Halted flag, episode, code, reason, action, and the recovery steps done / missing."""
        with self.ledger.read() as r:
            row = r.halt(self.scope)
            steps = r.recovery_steps(self.scope, row["episode"]) if row else []
        if row is None:
            return {"scope": self.scope, "halted": False, "episode": 0, "steps_done": [],
                    "steps_missing": []}  # fmt: skip
        done = [s["step"] for s in steps]
        missing = [s for s in RECOVERY_STEPS if s not in done] if row["halted"] else []
        return {**row, "halted": bool(row["halted"]), "steps_done": steps, "steps_missing": missing}

    @property
    def halted(self) -> bool:
        """True while trading is halted."""
        with self.ledger.read() as r:
            row = r.halt(self.scope)
        return bool(row and row["halted"])

    def ensure_trading_allowed(self) -> None:
        """Raise TradingHalted (with reason and the way out) while halted."""
        st = self.status()
        if st["halted"]:
            raise TradingHalted(
                f"trading is halted ({st['code']}: {st['reason']}); complete the recovery "
                f"checklist with 'quant live recovery', then 'quant live resume'"
            )

    def halt(
        self, code: str, reason: str, who: str, action: HaltActionName | None = None
    ) -> HaltAction:
        """Halt trading (a new episode unless already halted); the action to execute."""
        act = action or self.config.action
        with self.ledger.transaction() as tx:
            row = tx.halt(self.scope)
            if row is not None and row["halted"]:
                last = tx.audit_trail("halt_again", limit=1)
                seen = {row["code"]} | {e["detail"]["code"] for e in last
                                        if e["detail"].get("scope") == self.scope}  # fmt: skip
                if code not in seen:  # a new condition also holds: worth one line, not one a bar
                    tx.audit(who, "halt_again", reason, scope=self.scope, code=code)
                return HaltAction(row["action"], row["code"], row["reason"], row["episode"], False)
            episode = (row["episode"] if row else 0) + 1
            tx.put_row("halt_state", {"scope": self.scope, "halted": True, "episode": episode,
                                      "code": code, "action": act, "reason": reason,
                                      "who": who, "since_ns": tx.now()})  # fmt: skip
            tx.audit(who, "halt", reason, scope=self.scope, code=code, action=act, episode=episode)
        log.error("trading halted", scope=self.scope, code=code, reason=reason, action=act,
                  who=who, episode=episode)  # fmt: skip
        return HaltAction(act, code, reason, episode, True)

    def check(self, inputs: HaltInputs, who: str = "auto") -> HaltAction | None:
        """Evaluate the HALT conditions; halt and return the action if one holds."""
        trigger = evaluate_halt(self.config, inputs)
        if trigger is None:
            return None
        return self.halt(trigger.code, trigger.reason, who)

    def confirm_step(self, step: str, who: str, why: str) -> list[str]:
        """Record one recovery step (in checklist order); the steps still missing."""
        if step not in RECOVERY_STEPS:
            raise RecoveryIncomplete(f"unknown recovery step {step!r}; steps: {RECOVERY_STEPS}")
        if not why.strip():
            raise RecoveryIncomplete("a recovery step needs a reason (--why)")
        with self.ledger.transaction() as tx:
            row = tx.halt(self.scope)
            if row is None or not row["halted"]:
                raise RecoveryIncomplete(f"'{self.scope}' is not halted: nothing to recover")
            done = [s["step"] for s in tx.recovery_steps(self.scope, row["episode"])]
            missing = [s for s in RECOVERY_STEPS if s not in done]
            expected = missing[0] if missing else None
            if step in done:
                raise RecoveryIncomplete(f"recovery step {step!r} is already confirmed")
            if step != expected:
                raise RecoveryIncomplete(f"recovery step {expected!r} comes before {step!r}")
            tx.put_row("recovery_steps", {"scope": self.scope, "episode": row["episode"],
                                          "step": step, "who": who, "why": why,
                                          "ts": tx.now()})  # fmt: skip
            tx.audit(who, "recovery_step", why, scope=self.scope, step=step,
                     episode=row["episode"])  # fmt: skip
            return [s for s in RECOVERY_STEPS if s not in {*done, step}]

    def resume(self, who: str, why: str) -> None:
        """Lift the HALT; refused (RecoveryIncomplete) until every recovery step is confirmed."""
        with self.ledger.transaction() as tx:
            row = tx.halt(self.scope)
            if row is None or not row["halted"]:
                raise RecoveryIncomplete(f"'{self.scope}' is not halted: nothing to resume")
            done = {s["step"] for s in tx.recovery_steps(self.scope, row["episode"])}
            missing = [s for s in RECOVERY_STEPS if s not in done]
            if missing:
                raise RecoveryIncomplete(
                    f"cannot resume '{self.scope}': recovery steps not confirmed: "
                    f"{', '.join(missing)} (use 'quant live recovery --step STEP --why TEXT')"
                )
            tx.put_row("halt_state", {**row, "halted": False})
            tx.audit(who, "resume", why, scope=self.scope, episode=row["episode"])
        log.warning("trading resumed", scope=self.scope, who=who, why=why)

    # --- API error rate (a HALT input that must survive between runs) -------------------------
    def record_api_error(self, source: str, why: str) -> None:
        """Append an API error (broker or feed) to the audit trail."""
        with self.ledger.transaction() as tx:
            tx.audit(source, API_ERROR, why)

    def api_errors_last_minute(self) -> int:
        """API errors recorded in the 60 s up to the ledger clock's now."""
        with self.ledger.read() as r:
            return r.count_audit(API_ERROR, self.ledger.clock() - 60_000_000_000)
