"""The demo's live step: its run config trades ORCL up to the 120th bar, once."""

from __future__ import annotations

import dagster as dg

from assets import demo
from assets.definitions import defs
from quant.data.store import DatasetStore
from tests.backtest.sample_bars import daily_bars


def test_the_live_step_trades_up_to_its_bar_and_a_rerun_trades_nothing_twice(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANT_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("QUANT_LEDGER", str(tmp_path / "ledger"))
    store = DatasetStore(tmp_path / "lake")
    store.append("bars_1d", daily_bars("ORCL", demo.LIVE_BARS + 30))
    config = demo._live_config()
    bar_ts = config["ops"]["live_bar"]["config"]["bar_ts"]
    ts = store.read("bars_1d").get_column("ts").cast(int).sort()
    assert bar_ts == ts[demo.LIVE_BARS - 1] and config["ops"]["live_bar"]["config"]["version"] == 0

    job = defs.resolve_job_def("live_job")
    with dg.instance_for_test() as instance:
        for _ in range(2):
            assert job.execute_in_process(run_config=config, instance=instance).success
    ledger = demo.LiveResource().spec().open_ledger()  # QUANT_LEDGER, as the job used
    try:
        orders = ledger.orders(strategy="sma_crossover")
    finally:
        ledger.close()
    assert orders and all(o["bar_ts"] <= bar_ts for o in orders)
    keys = [o["client_order_id"] for o in orders]
    assert len(keys) == len(set(keys))  # the second run traded nothing again
