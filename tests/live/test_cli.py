"""``quant live replay`` prints exactly what ``quant backtest`` prints; ``reconcile`` finds and
resolves broker/ledger discrepancies; unsupported live options exit 2 with a message."""

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from quant.cli import app
from quant.data.store import DatasetStore
from quant.live.broker.base import OrderRequest
from quant.live.broker.paper import PaperBroker
from quant.live.engine import LiveConfigError
from tests.backtest.sample_bars import daily_bars

ARGS = ["rsi_mean_reversion", "--symbol", "ORCL", "--symbol", "NVDA", "--param", "period=5",
        "--fees", "0.1,1,2", "--slippage", "constant:5", "--participation", "0.0005",
        "--start", "1999-03-01", "--end", "2000-03-01"]  # fmt: skip


@pytest.fixture
def lake(tmp_path):
    store = DatasetStore(tmp_path / "lake")
    store.append("bars_1d", pl.concat([daily_bars("ORCL", 1400), daily_bars("NVDA", 300)]))
    return tmp_path / "lake"


def run(*args):
    return CliRunner().invoke(app, [*args])


def test_replay_json_is_identical_to_the_backtest_json(lake, tmp_path):
    bt = run("--lake", str(lake), "backtest", *ARGS, "--json")
    lv = run("--lake", str(lake), "live", "replay", *ARGS, "--json",
             "--workdir", str(tmp_path / "replay"))  # fmt: skip
    assert bt.exit_code == 0 and lv.exit_code == 0, lv.output
    out = json.loads(lv.stdout)
    assert out == json.loads(bt.stdout)
    assert len(out["fills"]) > 10 and {f["symbol"] for f in out["fills"]} == {"NVDA", "ORCL"}
    assert (tmp_path / "replay" / "live.db").exists()  # the ledger the replay wrote


def test_replay_table_states_the_cost_model(lake):
    res = run("--lake", str(lake), "live", "replay", *ARGS)
    assert res.exit_code == 0, res.output
    assert "10 bps + 1 fixed, min 2 per fill" in res.output and "sharpe" in res.output


def test_same_close_timing_is_refused_live_with_a_reason(lake):
    res = run("--lake", str(lake), "live", "replay", *ARGS, "--fill-timing", "same_close")
    assert isinstance(res.exception, LiveConfigError)  # a QuantError: exit 2 from main()
    assert "same_close cannot trade live" in str(res.exception)


def test_reconcile_flags_an_order_the_ledger_does_not_know_and_apply_cancels_it(tmp_path):
    broker = PaperBroker(Path("ledger") / "paper_broker.db")  # beside QUANT_LEDGER (conftest)
    broker.submit(OrderRequest("stray-1", "ORCL", 1, "market", 10.0))
    broker.close()
    res = run("live", "reconcile", "--engine", "sma_crossover", "--json")
    assert res.exit_code == 1
    found = json.loads(res.stdout)["discrepancies"]
    assert [(d["kind"], d["key"], d["applied"]) for d in found] == [
        ("unknown_order", "stray-1", False)
    ]
    res = run("live", "reconcile", "--engine", "sma_crossover", "--apply", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["discrepancies"][0]["applied"]
    assert PaperBroker(Path("ledger") / "paper_broker.db").order("stray-1").status == "cancelled"
    assert run("live", "reconcile", "--engine", "sma_crossover").exit_code == 0
