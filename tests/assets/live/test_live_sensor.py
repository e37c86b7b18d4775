"""The live sensor and jobs, evaluated and run for real on a real instance and SQLite ledger."""

import dagster as dg

from assets.definitions import defs
from assets.live.jobs import halt_live_job, live_job, resume_live_job
from assets.live.sensor import live_sensor
from quant.backtest.engine import run_backtest
from quant.live.persist import read_records
from tests.assets.live.conftest import N_BARS, PARAMS, evaluate, execute
from tests.backtest.sample_bars import daily_bars


def _stamps(n=N_BARS):
    return daily_bars("ORCL", n)["ts"].dt.epoch("ns").to_list()


def test_live_sensor_and_jobs_are_in_the_definitions():
    assert defs.resolve_sensor_def("live_sensor").job_name == "live_job"
    for job in (live_job, halt_live_job, resume_live_job):
        assert defs.resolve_job_def(job.name).name == job.name


def test_the_live_sensor_is_off_unless_asked_for(monkeypatch):
    from assets.live import sensor

    assert live_sensor.default_status == dg.DefaultSensorStatus.STOPPED  # make ui
    monkeypatch.setenv("QUANT_LIVE_SENSOR", "RUNNING")  # make live
    assert sensor._status() == dg.DefaultSensorStatus.RUNNING


def test_one_run_per_bar_with_keys_stable_across_reevaluation_and_a_daemon_restart(live):
    with dg.instance_for_test() as inst:
        first = evaluate(inst, live)
        again = evaluate(inst, live)  # the cursor was lost: the same bar, the same key
        assert len(first.run_requests) == 1
        assert first.run_requests[0].run_key == again.run_requests[0].run_key
        bar0 = first.run_requests[0].run_config["ops"]["live_bar"]["config"]["bar_ts"]
        assert bar0 == _stamps()[0]
        cursor = first.cursor
    with dg.instance_for_test() as restarted:  # a new daemon, the persisted cursor
        nxt = evaluate(restarted, live, cursor)
        assert nxt.run_requests[0].run_config["ops"]["live_bar"]["config"]["bar_ts"] == _stamps()[1]
        assert nxt.run_requests[0].run_key != first.run_requests[0].run_key
        assert (
            evaluate(restarted, live, cursor).run_requests[0].run_key == nxt.run_requests[0].run_key
        )


def test_sensor_to_job_loop_trades_exactly_what_the_backtest_trades(live):
    cursor, runs, last = None, 0, None
    with dg.instance_for_test() as inst:
        while (tick := evaluate(inst, live, cursor)).run_requests:
            last = tick.run_requests[0]
            execute(inst, live, last)
            cursor, runs = tick.cursor, runs + 1
        assert "no new bar" in tick.skip_message
        again = execute(inst, live, last)  # the same bar run twice trades nothing new
        meta = again.asset_materializations_for_node("live_bar")[0].metadata
    bt = run_backtest("sma_crossover", daily_bars("ORCL", N_BARS), PARAMS)
    spec = live.spec()
    ledger = spec.open_ledger()
    try:
        rec = read_records(ledger, spec.name, 1)
        orders = ledger.orders(strategy=spec.name)
    finally:
        ledger.close()
    assert runs == N_BARS and len(bt.orders) == 3 and len(bt.fills) == 2
    assert rec["orders"].tobytes() == bt.orders.tobytes()
    assert rec["fills"].tobytes() == bt.fills.tobytes()
    assert len(orders) == len(bt.orders)
    assert meta["orders"].value == len(orders) and meta["last_bar_ts"].value == _stamps()[-1]
