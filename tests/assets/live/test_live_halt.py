"""HALT through the sensor path: ``close`` runs on until flat, ``freeze`` stops at once."""

import dagster as dg

from assets.live.jobs import halt_live_job, resume_live_job
from quant.core import records as rec
from quant.live.halt import RECOVERY_STEPS
from quant.live.persist import read_records
from tests.assets.live.conftest import evaluate, execute, trade_directly


def _position(live):
    ledger = live.spec().open_ledger()
    try:
        return sum(float(p["qty"]) for p in ledger.positions("sma_crossover"))
    finally:
        ledger.close()


def _until_long(inst, live):
    long = lambda led: any(p["qty"] != 0 for p in led.positions("sma_crossover"))  # noqa: E731
    return trade_directly(live, long)


def _job(job, op, live, inst, config):
    res = job.execute_in_process(run_config={"ops": {op: {"config": config}}},
                                 resources={"live": live}, instance=inst)  # fmt: skip
    assert res.success


def test_a_close_halt_keeps_handing_out_bars_until_flat_then_skips(live):
    with dg.instance_for_test() as inst:
        cursor = _until_long(inst, live)
        _job(halt_live_job, "halt_live", live, inst, {"reason": "risk desk", "action": "close"})
        closing = 0
        while (tick := evaluate(inst, live, cursor)).run_requests:
            execute(inst, live, tick.run_requests[0])
            cursor, closing = tick.cursor, closing + 1
        assert tick.skip_message.startswith("HALTED (global, manual): risk desk")
        assert closing == 2  # one bar decides the exit, the next fills it
        assert _position(live) == 0
        ledger = live.spec().open_ledger()
        try:
            records = read_records(ledger, "sma_crossover", 1)
        finally:
            ledger.close()
        risk = records["orders"][records["orders"]["role"] == rec.ROLE_RISK]
        assert len(risk) == 1 and risk[0]["status"] == rec.STATUS_FILLED
        steps = {s: "ok" for s in RECOVERY_STEPS}
        _job(resume_live_job, "resume_live", live, inst, {"why": "clear", "recovery": steps})
        after = evaluate(inst, live, cursor)
        assert len(after.run_requests) == 1  # trading again
        execute(inst, live, after.run_requests[0])


def test_a_freeze_halt_skips_at_once_and_keeps_the_position(live):
    with dg.instance_for_test() as inst:
        cursor = _until_long(inst, live)
        held = _position(live)
        _job(halt_live_job, "halt_live", live, inst, {"reason": "freeze it", "action": "freeze"})
        tick = evaluate(inst, live, cursor)
        assert not tick.run_requests and tick.skip_message.startswith("HALTED (global, manual)")
        assert _position(live) == held != 0
