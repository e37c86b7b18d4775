"""Live trading in Dagster: the per-bar sensor, the live / HALT / resume jobs, the live
state asset; all logic is in ``quant.live`` (``tick``, ``halt``, ``status``)."""

import dagster as dg

from assets.live.jobs import halt_live_job, live_job, live_state, resume_live_job
from assets.live.resource import live_resource
from assets.live.sensor import live_sensor

defs = dg.Definitions(
    assets=[live_state],
    jobs=[live_job, halt_live_job, resume_live_job],
    sensors=[live_sensor],
    resources={"live": live_resource},
)
