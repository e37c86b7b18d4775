"""Replay through the live path equals the backtest; HALT, recovery and resume via the API."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import quant.research as qr
from quant.cli import app
from quant.live.halt import RecoveryIncomplete


def test_replay_equals_the_backtest_and_the_ledger_holds_its_orders(lake):
    args = ("sma_crossover", "bars_1d", {"fast": 10, "slow": 50})
    kw = {"symbols": "SPX", "start": "2014-01-01", "fees": "0.1"}
    rp = qr.live.replay(*args, **kw)
    bt = qr.backtest(*args, **kw)
    assert np.array_equal(rp.result.equity, bt.result.equity)
    assert np.array_equal(rp.result.fills, bt.result.fills)
    orders = qr.live.orders(rp)
    assert orders.height == len(bt.result.orders) > 0
    assert qr.live.fills(rp).height == len(bt.result.fills)
    assert qr.live.positions(rp)["symbol"].to_list() == ["SPX"]


def test_halt_blocks_until_every_recovery_step_is_confirmed(lake, tmp_path):
    rp = qr.live.replay("sma_crossover", "bars_1d", symbols="SPX", start="2018-01-01",
                        workdir=tmp_path / "live")  # fmt: skip
    st = qr.live.halt("feed looked stale", rp)
    assert st.halted and st.steps_missing == list(qr.live.RECOVERY_STEPS)
    with pytest.raises(RecoveryIncomplete):
        qr.live.resume("too early", rp)
    for step in qr.live.RECOVERY_STEPS:
        st = qr.live.recover(step, "checked", rp)
    assert st.halted and st.steps_missing == []
    st = qr.live.resume("all checks done", tmp_path / "live")
    assert not st.halted and "allowed" in st._repr_html_()


def test_replay_metrics_and_fills_equal_quant_live_replay_json(lake):
    args = ["live", "replay", "sma_crossover", "--symbol", "SPX", "--start", "2016-01-01"]
    res = CliRunner().invoke(app, ["--lake", str(lake), *args, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    rp = qr.live.replay("sma_crossover", "bars_1d", symbols="SPX", start="2016-01-01")
    assert rp.result.metrics.to_dict(json_safe=True) == out["metrics"]
    assert rp.fills["price"].to_list() == [f["price"] for f in out["fills"]]
