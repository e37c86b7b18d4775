"""HALT / resume jobs, skip reasons, one run at a time, and the inbox feed through the sensor."""

import dagster as dg
import polars as pl
import pytest

from assets.live.jobs import TAG, halt_live_job, live_job, resume_live_job
from assets.live.resource import LiveResource
from quant.backtest.engine import run_backtest
from quant.data.store import DatasetStore
from quant.live.breaker import BreakerConfig, CircuitBreaker
from quant.live.halt import RECOVERY_STEPS
from tests.assets.live.conftest import N_BARS, PARAMS, evaluate, execute, trade_directly
from tests.backtest.sample_bars import daily_bars


def _run(job, live, config, inst):
    op = {"halt_live_job": "halt_live", "resume_live_job": "resume_live"}[job.name]
    return job.execute_in_process(
        run_config={"ops": {op: {"config": config}}}, resources={"live": live}, instance=inst,
        raise_on_error=False,
    )  # fmt: skip


def test_halt_job_makes_the_sensor_skip_and_resume_needs_the_recovery_checklist(live):
    with dg.instance_for_test() as inst:
        halted = _run(halt_live_job, live, {"reason": "desk says stop", "who": "ops"}, inst)
        assert halted.success
        meta = halted.asset_materializations_for_node("halt_live")[0].metadata
        assert meta["halted"].value is True
        tick = evaluate(inst, live)
        assert (
            not tick.run_requests and "HALTED (global, manual): desk says stop" in tick.skip_message
        )
        refused = _run(resume_live_job, live, {"why": "fixed"}, inst)
        assert not refused.success  # recovery steps missing
        assert "recovery steps not confirmed" in str(refused.all_events)
        steps = {s: f"checked {s}" for s in RECOVERY_STEPS}
        resumed = _run(resume_live_job, live, {"why": "fixed", "recovery": steps}, inst)
        assert resumed.success
        assert len(evaluate(inst, live).run_requests) == 1
    ledger = live.spec().open_ledger()
    try:
        whats = [a["what"] for a in ledger.audit_trail()]
    finally:
        ledger.close()
    assert whats.count("recovery_step") == len(RECOVERY_STEPS) and "resume" in whats


def test_an_open_breaker_is_a_visible_skip_reason(live):
    ledger = live.spec().open_ledger()
    try:
        CircuitBreaker("paper_broker", ledger, BreakerConfig(fail_max=1)).record_failure("503")
    finally:
        ledger.close()
    with dg.instance_for_test() as inst:
        tick = evaluate(inst, live)
    assert not tick.run_requests and "circuit breaker 'paper_broker' is open" in tick.skip_message


def test_no_second_run_while_one_of_the_strategy_is_in_progress(live):
    with dg.instance_for_test() as inst:
        config = {"ops": {"live_bar": {"config": {"bar_ts": 0, "version": 0}}}}
        run = inst.create_run_for_job(live_job, run_config=config, tags={TAG: "sma_crossover"},
                                      status=dg.DagsterRunStatus.STARTED)  # fmt: skip
        tick = evaluate(inst, live)
        assert not tick.run_requests and run.run_id in tick.skip_message
        other = LiveResource(strategy="rsi_mean_reversion", symbols=["ORCL"], lake=live.lake,
                             ledger=live.ledger)  # fmt: skip
        assert len(evaluate(inst, other).run_requests) == 1  # another strategy is not blocked


def _csv(frame: pl.DataFrame) -> str:
    rows = frame.select(
        "symbol", pl.col("ts").dt.strftime("%Y-%m-%d"), "open", "high", "low", "close", "volume"
    )
    return "symbol,ts,open,high,low,close,volume\n" + rows.write_csv(include_header=False)


def test_a_bar_file_dropped_in_the_inbox_is_ingested_and_traded_on_the_next_tick(tmp_path):
    bars = daily_bars("ORCL", N_BARS)
    k = int(run_backtest("sma_crossover", bars, PARAMS).orders[0]["bar"])  # first decision
    lake = tmp_path / "lake2"
    DatasetStore(lake).append("bars_1d", bars.head(k))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    live = LiveResource(
        strategy="sma_crossover", symbols=["ORCL"], params=PARAMS, feed="inbox",
        inbox=str(inbox), lake=str(lake), ledger=str(tmp_path / "ledger2"),
    )  # fmt: skip
    cursor = trade_directly(live, lambda led: False)  # the stored history, no order yet
    with dg.instance_for_test() as inst:
        assert evaluate(inst, live, cursor).skip_message.startswith("no new bar")
        bad = "ORCL,2099-01-02,10,9,11,10,100\n"  # high below low
        (inbox / "bar.csv").write_text(_csv(bars.slice(k, 1)) + bad)
        tick = evaluate(inst, live, cursor)
        assert len(tick.run_requests) == 1
        execute(inst, live, tick.run_requests[0])
    ts_k = bars["ts"].dt.epoch("ns")[k]
    ledger = live.spec().open_ledger()
    try:
        orders = ledger.orders()
    finally:
        ledger.close()
    assert [o["bar_ts"] for o in orders] == [ts_k]
    assert DatasetStore(lake).read("quarantine").height == 1
    assert (inbox / "processed" / "bar.csv").is_file()


@pytest.mark.parametrize("bad", [{"reason": "x", "action": "explode"}])
def test_halt_job_refuses_an_unknown_action(live, bad):
    with dg.instance_for_test() as inst:
        assert not _run(halt_live_job, live, bad, inst).success
