"""``quant live start``: the headless loop trades each bar once, like the backtest, and resumes."""

import json

from typer.testing import CliRunner

from quant.backtest.engine import run_backtest
from quant.cli import app
from quant.data.store import DatasetStore
from quant.live.engine import LiveConfigError
from tests.backtest.sample_bars import daily_bars

ARGS = ["live", "start", "--strategy", "sma_crossover", "--symbol", "ORCL", "--param", "fast=2",
        "--param", "slow=5", "--interval", "0", "--exit-when-idle", "--json"]  # fmt: skip


def test_start_trades_every_bar_once_as_the_backtest_and_a_restart_carries_on(tmp_path):
    bars = daily_bars("ORCL", 30)
    DatasetStore(tmp_path / "lake").append("bars_1d", bars)  # QUANT_LAKE / QUANT_LEDGER: tmp
    base = ["--lake", str(tmp_path / "lake")]
    first = CliRunner().invoke(app, [*base, *ARGS])
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)
    bt = run_backtest("sma_crossover", bars, {"fast": 2, "slow": 5})
    assert out["bars"] == 30 and out["ticks"] == 31 and out["orders"] == len(bt.orders)
    assert out["last_skip"].startswith("no new bar") and out["halted"] is False
    assert out["equity"] == float(bt.equity[-1]) and out["cash"] is not None
    again = json.loads(CliRunner().invoke(app, [*base, *ARGS]).stdout)
    assert again["bars"] == 0 and again["orders"] == len(bt.orders)


def test_start_refuses_an_unknown_feed_or_an_inbox_without_a_folder(tmp_path):
    DatasetStore(tmp_path / "lake").append("bars_1d", daily_bars("ORCL", 3))
    bad = CliRunner().invoke(app, ["live", "start", "--feed", "radio", "--max-ticks", "1"])
    assert isinstance(bad.exception, LiveConfigError)  # a QuantError: exit 2 from main()
    assert "unknown feed 'radio'" in str(bad.exception)
    no_dir = CliRunner().invoke(app, ["live", "start", "--feed", "inbox", "--max-ticks", "1"])
    assert isinstance(no_dir.exception, LiveConfigError)
    assert "needs a folder" in str(no_dir.exception)
