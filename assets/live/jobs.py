"""The live job (one bar through ``quant.live.tick.run_until``), and the HALT / resume jobs.

Every job records the ledger's live state (positions, cash, equity, P&L, HALT) as a
materialization of the ``live_state`` asset, so the UI shows it after each run.
"""

import dagster as dg
from pydantic import Field

from assets.live.resource import LiveResource
from quant.live.halt import HaltSwitch
from quant.live.tick import gate, live_summary, run_until

TAG = "quant/live_strategy"
live_state = dg.AssetSpec(
    "live_state",
    description="Live positions, cash, equity, P&L and HALT state, read from the ledger.",
    group_name="live",
    kinds={"sqlite", "numba"},  # the ledger (SQLite by default), the simulator's one-bar step
)


def _record_state(context: dg.OpExecutionContext, live: LiveResource, **extra) -> dict:
    spec = live.spec()
    ledger = spec.open_ledger()
    try:
        summary = live_summary(ledger, spec.name, spec.cash)
    finally:
        ledger.close()
    meta = {**summary, "positions": dg.MetadataValue.json(summary["positions"]), **extra}
    meta = {k: ("" if v is None else v) for k, v in meta.items()}
    context.log_event(dg.AssetMaterialization("live_state", metadata=meta))
    return summary


class LiveBarConfig(dg.Config):
    """The bar a live run trades (ns UTC) and the dataset version it reads it from."""

    bar_ts: int
    version: int


@dg.op
def live_bar(context: dg.OpExecutionContext, config: LiveBarConfig, live: LiveResource) -> dict:
    """Restore -> streaming features -> decide -> pre-trade -> broker -> reconcile -> persist."""
    spec = live.spec()
    ledger, store = spec.open_ledger(), spec.open_store()
    try:
        _, why = gate(ledger, spec.name)  # a run queued before a HALT must not trade
        outs = [] if why else run_until(spec, config.bar_ts, config.version, ledger, store)
    finally:
        ledger.close()
    if why:
        context.log.warning(f"live run not trading: {why}")
    done = [o for o in outs if not o.skipped]
    context.log.info(
        f"{spec.name}: {len(done)} bar(s) traded, "
        f"{sum(len(o.submitted) for o in done)} order(s) sent, "
        f"{sum(len(o.fills) for o in done)} fill(s), "
        f"{sum(len(o.refused) for o in done)} refused"
    )
    return _record_state(context, live, bar_ts=config.bar_ts, blocked_by=why or "")


@dg.job(tags={"kind": "live"}, executor_def=dg.in_process_executor)  # one op: no step process
def live_job():
    """Trade one new bar of the configured live strategy (started by ``live_sensor``)."""
    live_bar()


class HaltJobConfig(dg.Config):
    """Why trading stops, who stops it, close or freeze positions, scope."""

    reason: str
    who: str = "dagster"
    action: str | None = None  # close | freeze (default: configured)
    scope: str = "global"


@dg.op
def halt_live(context: dg.OpExecutionContext, config: HaltJobConfig, live: LiveResource) -> dict:
    """HALT trading (what ``quant live halt`` does)."""
    if config.action not in (None, "close", "freeze"):
        raise dg.Failure(f"action must be close or freeze, got {config.action!r}")
    ledger = live.spec().open_ledger()
    try:
        res = HaltSwitch(ledger, scope=config.scope).halt(
            "manual",
            config.reason,
            config.who,
            config.action,  # type: ignore[arg-type]
        )
    finally:
        ledger.close()
    context.log.warning(f"HALT {config.scope}: {config.reason} ({res.action})")
    return _record_state(context, live)


@dg.job(tags={"kind": "live"})
def halt_live_job():
    """HALT live trading now (config: reason, who, action, scope)."""
    halt_live()


class ResumeJobConfig(dg.Config):
    """Who resumes and why; recovery steps to confirm first (step -> what was checked)."""

    who: str = "dagster"
    why: str
    recovery: dict[str, str] = Field(default_factory=dict)
    scope: str = "global"


@dg.op
def resume_live(
    context: dg.OpExecutionContext, config: ResumeJobConfig, live: LiveResource
) -> dict:
    """Confirm the given recovery steps, then resume (what ``quant live recovery`` and
    ``quant live resume`` do); refused while a step is missing."""
    ledger = live.spec().open_ledger()
    try:
        switch = HaltSwitch(ledger, scope=config.scope)
        for step, why in config.recovery.items():
            switch.confirm_step(step, config.who, why)
        switch.resume(config.who, config.why)
    finally:
        ledger.close()
    context.log.info(f"resumed {config.scope}: {config.why}")
    return _record_state(context, live)


@dg.job(tags={"kind": "live"})
def resume_live_job():
    """Resume live trading after the recovery checklist (config: who, why, recovery steps)."""
    resume_live()
