"""End to end: a bar file lands in the inbox -> its bar is traded and committed in the ledger.

ORCL daily bars, sma_crossover (fast 1, slow 2: an order on most bars), 60 bars warm. Per
timed bar: the file is written under a ``.part`` name and renamed into the inbox, then

* sensor path: one real evaluation of ``live_sensor`` (the inbox feed ingests the file:
  parse, validate, Delta commit) -> its RunRequest executed in process (``live_job``:
  restore, features, decide, pre-trade, paper broker, reconcile, ledger commit);
* headless path: the same tick logic without Dagster (``plan_tick`` + ``run_until``, what
  ``quant live start`` does per tick).

p50 / p99 over the timed bars are printed (ms). Not counted: the sensor's own interval and
the daemon's run launch (a subprocess per run under ``dagster dev``). Asserts only that
every timed bar reached the ledger.
"""

from __future__ import annotations

import json
import time

import dagster as dg
import numpy as np
import polars as pl

from assets.live.jobs import live_job
from assets.live.resource import LiveResource
from assets.live.sensor import live_sensor
from quant.data.store import DatasetStore
from quant.live.tick import Cursor, live_summary, plan_tick, run_until
from tests.backtest.sample_bars import daily_bars

WARM, TIMED = 60, 12
PARAMS = {"fast": "1", "slow": "2"}


def _drop(inbox, frame: pl.DataFrame, name: str) -> None:
    rows = frame.select(
        "symbol", pl.col("ts").dt.strftime("%Y-%m-%d"), "open", "high", "low", "close", "volume"
    )
    part = inbox / f"{name}.part"
    part.write_text("symbol,ts,open,high,low,close,volume\n" + rows.write_csv(include_header=False))
    part.rename(inbox / name)


def _setup(tmp_path, tag):
    bars = daily_bars("ORCL", WARM + TIMED)
    lake, inbox = tmp_path / f"lake_{tag}", tmp_path / f"inbox_{tag}"
    DatasetStore(lake).append("bars_1d", bars.head(WARM))
    inbox.mkdir()
    live = LiveResource(
        strategy="sma_crossover", symbols=["ORCL"], params=PARAMS, feed="inbox",
        inbox=str(inbox), lake=str(lake), ledger=str(tmp_path / f"led_{tag}"),
    )  # fmt: skip
    return bars, inbox, live


def _report(name, xs):
    ms = np.array(xs) * 1e3
    print(f"\n{name}: p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms "
          f"over {len(xs)} bars")  # fmt: skip


def test_inbox_to_ledger_through_the_sensor(tmp_path):
    bars, inbox, live = _setup(tmp_path, "sensor")
    spec = live.spec()
    ledger = spec.open_ledger()  # warm: trade the stored history in one go
    run_until(spec, int(bars["ts"].dt.epoch("ns")[WARM - 1]), 0, ledger, spec.open_store())
    last = live_summary(ledger, "sma_crossover", 1e5)["last_bar_ts"]
    ledger.close()
    times, cursor = [], json.dumps({"sma_crossover": Cursor(last).dumps()})
    with dg.instance_for_test() as inst:

        def tick():
            nonlocal cursor
            ctx = dg.build_sensor_context(instance=inst, cursor=cursor, resources={"live": live})
            data = live_sensor.evaluate_tick(ctx)
            for req in data.run_requests:
                live_job.execute_in_process(run_config=req.run_config, resources={"live": live},
                                            instance=inst, tags=req.tags)  # fmt: skip
            cursor = data.cursor or cursor
            return len(data.run_requests)

        for k in range(WARM, WARM + TIMED):
            _drop(inbox, bars.slice(k, 1), f"bar{k}.csv")
            t0 = time.perf_counter()
            assert tick() == 1
            times.append(time.perf_counter() - t0)
    ledger = live.spec().open_ledger()
    summary = live_summary(ledger, "sma_crossover", 100_000.0)
    ledger.close()
    assert summary["last_bar_ts"] == bars["ts"].dt.epoch("ns")[-1]
    _report("inbox file -> ledger via sensor + live_job", times)
    print(f"orders in the ledger: {summary['orders']}")


def test_inbox_to_ledger_headless(tmp_path):
    bars, inbox, live = _setup(tmp_path, "loop")
    spec = live.spec()
    store, ledger = spec.open_store(), spec.open_ledger()
    feed, cursor, times = spec.make_feed(store), Cursor(), []

    def tick():
        nonlocal cursor
        plan = plan_tick(spec, ledger, feed, cursor, time.time_ns(), max_runs=None)
        if plan.runs:
            run_until(spec, plan.runs[-1][0], plan.version, ledger, store)
            cursor = plan.cursor
        return len(plan.runs)

    tick()
    for k in range(WARM, WARM + TIMED):
        _drop(inbox, bars.slice(k, 1), f"bar{k}.csv")
        t0 = time.perf_counter()
        assert tick() == 1
        times.append(time.perf_counter() - t0)
    assert (
        live_summary(ledger, "sma_crossover", 1e5)["last_bar_ts"] == bars["ts"].dt.epoch("ns")[-1]
    )
    ledger.close()
    _report("inbox file -> ledger headless (quant live start)", times)
