"""The live sensor: one ``live_job`` run per new bar, keyed by (strategy, symbols, bar ts).

The cursor holds, per strategy, the last bar handed out, when a bar last arrived and the
pinned dataset version (``quant.live.tick.Cursor``); ``plan_tick`` decides. At most one
live run per strategy: while one is queued or running the sensor waits. HALT, an open
breaker, a stale feed or no new bar are a SkipReason naming why. ``QUANT_LIVE_SENSOR=RUNNING``
starts it switched on (``make live``); otherwise it is off until turned on in the UI.
"""

import json
import os
import time

import dagster as dg

from assets.live.jobs import TAG, live_job
from assets.live.resource import LiveResource
from quant.live.tick import Cursor, plan_tick

IN_PROGRESS = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


def _status() -> dg.DefaultSensorStatus:
    on = os.environ.get("QUANT_LIVE_SENSOR", "").upper() == "RUNNING"
    return dg.DefaultSensorStatus.RUNNING if on else dg.DefaultSensorStatus.STOPPED


@dg.sensor(
    job=live_job,
    minimum_interval_seconds=int(os.environ.get("QUANT_LIVE_INTERVAL", "5")),
    default_status=_status(),
)
def live_sensor(context: dg.SensorEvaluationContext, live: LiveResource):
    """Request the live run of the next new bar, or say why not."""
    spec = live.spec()
    active = context.instance.get_runs(
        filters=dg.RunsFilter(tags={TAG: spec.name}, statuses=IN_PROGRESS), limit=1
    )
    if active:
        return dg.SkipReason(f"live run {active[0].run_id} of {spec.name} is still in progress")
    cursors = json.loads(context.cursor) if context.cursor else {}
    ledger, store = spec.open_ledger(), spec.open_store()
    try:
        cur = Cursor.loads(cursors.get(spec.name))
        plan = plan_tick(spec, ledger, spec.make_feed(store, cur.version), cur, time.time_ns())
    finally:
        ledger.close()
    if plan.skip:
        return dg.SkipReason(plan.skip)
    cursors[spec.name] = plan.cursor.dumps()
    context.update_cursor(json.dumps(cursors, sort_keys=True))
    return [
        dg.RunRequest(
            run_key=key,
            run_config={"ops": {"live_bar": {"config": {"bar_ts": ts, "version": plan.version}}}},
            tags={TAG: spec.name, "quant/bar_ts": str(ts)},
        )
        for ts, key in plan.runs
    ]
