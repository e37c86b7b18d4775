"""``quant.research`` gives the numbers ``quant backtest|optimize|check-lookahead`` print."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

import quant.research as qr
from quant.backtest.bars import NoBarsError
from quant.cli import app


def cli_json(lake, *args):
    res = CliRunner().invoke(app, ["--lake", str(lake), *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_backtest_metrics_trades_and_fills_equal_the_cli_json(lake):
    out = cli_json(lake, "backtest", "sma_crossover", "--symbol", "SPX", "--param", "fast=10",
                   "--param", "slow=50", "--fees", "0.1", "--slippage", "constant:5",
                   "--start", "2005-01-01", "--end", "2015-12-31")  # fmt: skip
    dates = {"start": "2005-01-01", "end": "2015-12-31"}
    bt = qr.backtest("sma_crossover", "bars_1d", {"fast": 10, "slow": 50}, symbols="SPX",
                     fees="0.1", slippage="constant:5", **dates)  # fmt: skip
    assert bt.result.metrics.to_dict(json_safe=True) == out["metrics"]
    assert bt.metrics.height == 1 and bt.metrics["sharpe"][0] == out["metrics"]["sharpe"]
    assert bt.trades["pnl"].to_list() == [t["pnl"] for t in out["trades"]]
    assert bt.fills["price"].to_list() == [f["price"] for f in out["fills"]]
    assert bt.source == {"dataset": "bars_1d", "version": out["version"]}
    assert bt.lineage()["checksum"] == qr.version("bars_1d").checksum


def test_backtest_equity_frame_has_drawdown_below_zero_and_the_run_is_repeatable(lake):
    a = qr.backtest("rsi_mean_reversion", "bars_1d", symbols="SPX")
    b = qr.backtest("rsi_mean_reversion", qr.load("bars_1d", "SPX"))
    assert np.array_equal(a.result.equity, b.result.equity)
    eq = a.equity
    assert eq.columns == ["ts", "equity", "drawdown", "exposure"]
    assert eq["drawdown"].max() <= 0.0 and eq["drawdown"].min() < 0.0
    assert "<table" in a._repr_html_() and "rsi_mean_reversion on SPX" in a._repr_html_()


def test_compare_puts_metrics_side_by_side_one_row_per_run(lake):
    runs = {f"fast={f}": qr.backtest("sma_crossover", "bars_1d", {"fast": f, "slow": 50},
                                     symbols="SPX") for f in (5, 20)}  # fmt: skip
    cmp = qr.compare(runs)
    assert cmp.metrics["run"].to_list() == ["fast=5", "fast=20"]
    assert cmp.metrics["sharpe"].to_list() == [r.result.metrics.sharpe for r in runs.values()]


def test_optimize_best_params_and_top_table_equal_the_cli(lake):
    out = cli_json(lake, "optimize", "sma_crossover", "--symbol", "SPX", "--grid", "fast=5:15:5",
                   "--grid", "slow=30:50:10")  # fmt: skip
    opt = qr.optimize("sma_crossover", "SPX", {"fast": "5:15:5", "slow": "30:50:10"})
    summary = opt.summary()
    assert summary["run_id"] == out["run_id"] and opt.best_params == out["best_params"]
    assert summary["top"] == out["top"]
    assert opt.candidates.height == out["evaluated"] == 9


def test_walk_forward_stitched_metrics_equal_the_cli(lake):
    out = cli_json(lake, "optimize", "sma_crossover", "--symbol", "SPX", "--grid", "fast=5:10:5",
                   "--grid", "slow=30:40:10", "--walk-forward", "1500:1000")  # fmt: skip
    wf = qr.walk_forward("sma_crossover", "SPX", {"fast": "5:10:5", "slow": "30:40:10"},
                         train=1500, test=1000)  # fmt: skip
    assert wf.summary()["oos_metrics"] == out["oos_metrics"]
    assert wf.windows.height == len(out["top"])
    assert wf.metrics["sharpe"][0] == pytest.approx(out["oos_metrics"]["sharpe"], rel=0, abs=0)


def test_check_lookahead_passes_a_causal_strategy_and_names_the_leak_of_a_leaky_one(lake):
    out = cli_json(lake, "check-lookahead", "sma_crossover", "--symbol", "SPX")
    ok = qr.check_lookahead("sma_crossover", "SPX")
    assert ok.ok and out["ok"] and ok.verdict == out["verdict"]
    leaky = qr.check_lookahead("tests.backtest.leaky_strategy", "SPX")
    assert not leaky.ok and leaky.verdict.startswith("LOOKAHEAD")
    assert "lookahead guard" in leaky._repr_html_()


def test_load_filters_symbols_and_inclusive_dates_and_names_a_missing_symbol(lake):
    bars = qr.load("bars_1d", "SPX", start="2010-01-04", end="2010-01-08")
    assert bars["ts"].dt.date().cast(pl.String).to_list() == [
        "2010-01-04", "2010-01-05", "2010-01-06", "2010-01-07", "2010-01-08"]  # fmt: skip
    with pytest.raises(NoBarsError, match="no bars for NOPE"):
        qr.load("bars_1d", ["SPX", "NOPE"])
