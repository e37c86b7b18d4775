"""The headless live loop behind ``quant live start``: the sensor's tick logic in a process.

Each tick is what one evaluation of ``assets/live``'s sensor plus its run do: ``plan_tick``
(gate, feed poll, staleness) then ``run_until`` for the bars it hands out. The cursor starts
at the ledger's last committed bar, so a restarted loop carries on where it stopped and a
bar already traded is never traded again. Time and sleep are injectable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from quant.live.engine import BarOutcome
from quant.live.tick import Cursor, LiveSpec, TickPlan, make_engine, plan_tick, run_until


@dataclass
class LoopReport:
    """What a loop did: ticks, bars traded, orders sent, fills, refusals, the last skip."""

    ticks: int = 0
    bars: int = 0
    orders: int = 0
    fills: int = 0
    refused: int = 0
    last_skip: str = ""
    outcomes: list[BarOutcome] = field(default_factory=list, repr=False)


def run_loop(
    spec: LiveSpec,
    interval_s: float = 1.0,
    bars_per_tick: int | None = 1,
    max_ticks: int | None = None,
    exit_when_idle: bool = False,
    clock: Callable[[], int] = time.time_ns,
    sleep: Callable[[float], None] = time.sleep,
    on_tick: Callable[[TickPlan, list[BarOutcome]], None] | None = None,
) -> LoopReport:
    """Tick every ``interval_s`` seconds until ``max_ticks``, idle (if asked) or Ctrl-C."""
    store, ledger = spec.open_store(), spec.open_ledger(clock)
    report = LoopReport()
    try:
        last = make_engine(spec, ledger, None).restore().last_ts
        feed = spec.make_feed(store)
        cursor = Cursor(last_ts=last)
        while max_ticks is None or report.ticks < max_ticks:
            plan = plan_tick(spec, ledger, feed, cursor, clock(), max_runs=bars_per_tick)
            outs: list[BarOutcome] = []
            if plan.runs:
                outs = run_until(spec, plan.runs[-1][0], plan.version, ledger, store)  # type: ignore[arg-type]
                cursor = plan.cursor
            done = [o for o in outs if not o.skipped]
            report.ticks += 1
            report.bars += len(done)
            report.orders += sum(len(o.submitted) for o in done)
            report.fills += sum(len(o.fills) for o in done)
            report.refused += sum(len(o.refused) for o in done)
            report.last_skip = plan.skip or ""
            report.outcomes += done
            if on_tick is not None:
                on_tick(plan, done)
            if plan.skip and exit_when_idle:
                break
            if interval_s > 0 and (max_ticks is None or report.ticks < max_ticks):
                sleep(interval_s)
    except KeyboardInterrupt:
        pass
    finally:
        ledger.close()
    return report
