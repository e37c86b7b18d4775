"""A lake with shipped ORCL bars, a real SQLite ledger, and the live resource over both."""

from __future__ import annotations

import json

import dagster as dg
import pytest

from assets.live.jobs import live_job
from assets.live.resource import LiveResource
from assets.live.sensor import live_sensor
from quant.data.store import DatasetStore
from quant.live.tick import Cursor, run_until
from tests.backtest.sample_bars import daily_bars

PARAMS = {"fast": "2", "slow": "5"}
N_BARS = 18


@pytest.fixture
def lake(tmp_path):
    store = DatasetStore(tmp_path / "lake")
    store.append("bars_1d", daily_bars("ORCL", N_BARS))
    return store


@pytest.fixture
def live(tmp_path, lake) -> LiveResource:
    return LiveResource(
        strategy="sma_crossover", symbols=["ORCL"], params=PARAMS,
        lake=str(tmp_path / "lake"), ledger=str(tmp_path / "ledger"),
    )  # fmt: skip


def evaluate(instance, live, cursor=None):
    """One real sensor evaluation against ``instance``."""
    ctx = dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"live": live}, sensor_name="live_sensor"
    )
    return live_sensor.evaluate_tick(ctx)


def execute(instance, live, request):
    """Run the requested live job for real (in process) on ``instance``."""
    tags = {**request.tags, "dagster/run_key": request.run_key}
    res = live_job.execute_in_process(
        run_config=request.run_config, resources={"live": live}, instance=instance, tags=tags
    )
    assert res.success
    return res


def trade_directly(live, stop) -> str:
    """Trade stored bars with the job's own function (no Dagster run) until ``stop(ledger)``
    holds or the bars run out; the sensor cursor that continues after the last one."""
    spec = live.spec()
    ledger, store = spec.open_ledger(), spec.open_store()
    try:
        stamps = store.read(spec.dataset)["ts"].dt.epoch("ns").to_list()
        last = None
        for ts in stamps:
            if stop(ledger):
                break
            run_until(spec, ts, store.resolve(spec.dataset), ledger, store)
            last = ts
    finally:
        ledger.close()
    return json.dumps({spec.name: Cursor(last).dumps()})
