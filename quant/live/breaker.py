"""Circuit breaker around broker and feed calls, its state persisted in the ledger.

closed --(``fail_max`` consecutive failures)--> open --(cooldown elapsed)--> half_open
half_open --(trial call succeeds)--> closed;  half_open --(trial fails)--> open (longer)
``reset()`` closes it by hand. The cooldown after the n-th consecutive trip is ``fixed``
(base), ``exponential`` (base·2^(n-1)) or ``fibonacci`` (base·1,2,3,5,8,…), capped at
``cap_s``. Every transition is logged and appended to the ledger's audit trail; the state
row (state, failures, trips, opened time) is written on every change, so a new process —
the next live run, the sensor — sees the breaker as the last one left it.

Why not pybreaker (used by the vendor sources): its open-state check reads
``datetime.now()`` directly, so time cannot be injected (tests would sleep), its cooldown
is one fixed ``reset_timeout`` (varying it per trip means mutating a shared attribute from a
listener), and its storage interface writes each counter separately instead of one row in
the caller's transaction. The state machine below is small enough to read in one sitting.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from quant.errors import QuantError
from quant.live.ledger import Ledger
from quant.log import get_logger

log = get_logger("quant.live.breaker")
T = TypeVar("T")
State = Literal["closed", "open", "half_open"]


class Cooldown(BaseModel):
    """How long the breaker stays open after its n-th consecutive trip (seconds)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    strategy: Literal["fixed", "exponential", "fibonacci"] = "exponential"
    base_s: float = Field(30.0, gt=0)
    cap_s: float = Field(600.0, gt=0)

    def seconds(self, trips: int) -> float:
        """Cooldown after ``trips`` (>= 1) consecutive trips, capped at ``cap_s``."""
        n = max(trips, 1)
        if self.strategy == "fixed":
            factor = 1.0
        elif self.strategy == "exponential":
            factor = 2.0 ** min(n - 1, 60)
        else:
            a, b = 1, 2  # 1, 2, 3, 5, 8, ...
            for _ in range(min(n - 1, 90)):
                a, b = b, a + b
            factor = float(a)
        return min(self.base_s * factor, self.cap_s)


class BreakerConfig(BaseModel):
    """Failure threshold and cooldown of one breaker."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    fail_max: int = Field(5, ge=1, description="Consecutive failures that open the breaker.")
    cooldown: Cooldown = Cooldown()


class CircuitOpen(QuantError):
    """A call was refused because the breaker is open (names it and when it may retry)."""


class CircuitBreaker:
    """A persisted, thread-safe circuit breaker named ``name`` (one row in the ledger)."""

    def __init__(self, name: str, ledger: Ledger, config: BreakerConfig | None = None) -> None:
        self.name = name
        self.ledger = ledger
        self.config = config or BreakerConfig()
        self._lock = threading.RLock()
        self._trial = False  # a half-open trial call is in flight
        with ledger.read() as r:
            row = r.breaker(name)
        self._state: State = row["state"] if row else "closed"
        self._failures = row["failures"] if row else 0
        self._trips = row["trips"] if row else 0
        self._opened_ns: int | None = row["opened_ns"] if row else None

    # --- inspection --------------------------------------------------------------------------
    @property
    def state(self) -> State:
        """Current state; an open breaker whose cooldown has elapsed reports half_open."""
        with self._lock:
            self._maybe_half_open()
            return self._state

    def retry_at_ns(self) -> int | None:
        """When an open breaker lets a trial call through (ns), else None."""
        with self._lock:
            if self._state != "open" or self._opened_ns is None:
                return None
            return self._opened_ns + int(self.config.cooldown.seconds(self._trips) * 1e9)

    def snapshot(self) -> dict[str, Any]:
        """State, failures, trips, opened and retry times (for status displays)."""
        state = self.state
        with self._lock:
            return {"name": self.name, "state": state, "failures": self._failures,
                    "trips": self._trips, "opened_ns": self._opened_ns,
                    "retry_at_ns": self.retry_at_ns()}  # fmt: skip

    # --- calls ----------------------------------------------------------------------------------
    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` through the breaker: refused while open, outcome recorded."""
        self.before_call()
        try:
            result = fn(*args, **kwargs)
        except Exception as err:
            self.record_failure(repr(err))
            raise
        self.record_success()
        return result

    def guard(self, fn: Callable[..., T]) -> Callable[..., T]:
        """Decorator form of :meth:`call` (``fetch = breaker.guard(vendor.fetch)``)."""

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> T:
            return self.call(fn, *args, **kwargs)

        return guarded

    def before_call(self) -> None:
        """Raise CircuitOpen unless a call may go through now (one trial when half-open)."""
        with self._lock:
            self._maybe_half_open()
            if self._state == "open" or (self._state == "half_open" and self._trial):
                retry = self.retry_at_ns()
                raise CircuitOpen(
                    f"circuit breaker '{self.name}' is {self._state}"
                    + (f"; next trial at {retry} ns" if retry else "; a trial call is running")
                )
            if self._state == "half_open":
                self._trial = True

    def record_success(self) -> None:
        """A guarded call succeeded: close a half-open breaker, clear the failure count."""
        with self._lock:
            if self._state == "half_open":
                self._trial = False
                self._failures, self._trips = 0, 0
                self._move("closed", "system", "trial call succeeded")
            elif self._failures:
                self._failures = 0
                self._save()

    def record_failure(self, why: str = "call failed") -> None:
        """A guarded call failed: count it; open at the threshold, re-open from half-open."""
        with self._lock:
            if self._state == "half_open":
                self._trial = False
                self._trip(f"trial call failed: {why}")
            elif self._state == "closed":
                self._failures += 1
                if self._failures >= self.config.fail_max:
                    self._trip(f"{self._failures} consecutive failures, last: {why}")
                else:
                    self._save()

    def reset(self, who: str, why: str) -> None:
        """Close the breaker by hand (manual reset), forgetting failures and trips."""
        with self._lock:
            self._failures, self._trips, self._trial = 0, 0, False
            self._move("closed", who, f"manual reset: {why}")

    # --- internals ------------------------------------------------------------------------------
    def _trip(self, why: str) -> None:
        self._trips += 1
        self._failures = 0
        self._opened_ns = self.ledger.clock()
        self._move("open", "system", why)

    def _maybe_half_open(self) -> None:
        retry = self.retry_at_ns()
        if retry is not None and self.ledger.clock() >= retry:
            self._move("half_open", "system", "cooldown elapsed")

    def _move(self, new: State, who: str, why: str) -> None:
        old, self._state = self._state, new
        if new == "closed":
            self._opened_ns = None
        cooldown = self.config.cooldown.seconds(self._trips) if new == "open" else None
        log.warning("circuit breaker transition", breaker=self.name, old=old, new=new,
                    why=why, trips=self._trips, cooldown_s=cooldown)  # fmt: skip
        with self.ledger.transaction() as tx:
            self._save(tx)
            tx.audit(who, "breaker_transition", why, breaker=self.name, old=old, new=new,
                     trips=self._trips, cooldown_s=cooldown)  # fmt: skip

    def _save(self, tx: Any = None) -> None:
        row = {"name": self.name, "state": self._state, "failures": self._failures,
               "trips": self._trips, "opened_ns": self._opened_ns,
               "retry_ns": self.retry_at_ns()}  # fmt: skip
        if tx is None:
            with self.ledger.transaction() as own:
                own.put_row("breaker_state", {**row, "updated_ns": own.now()})
        else:
            tx.put_row("breaker_state", {**row, "updated_ns": tx.now()})
