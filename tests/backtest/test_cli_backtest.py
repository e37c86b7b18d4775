"""``quant backtest``: metrics table, JSON with trades and fills, errors exit 2."""

import json
import subprocess
import sys

import polars as pl
import pytest
from typer.testing import CliRunner

from quant.backtest.cli_args import OptionError, parse_fees, parse_sizing, parse_slippage
from quant.backtest.strategy import (
    InvalidParamsError,
    StrategyImportError,
    UnknownStrategyError,
)
from quant.cli import app
from quant.data.store import DatasetNotFound, DatasetStore
from tests.backtest.sample_bars import daily_bars


@pytest.fixture
def lake(tmp_path):
    store = DatasetStore(tmp_path / "lake")
    store.append("bars_1d", pl.concat([daily_bars("ORCL", 1600), daily_bars("NVDA", 600)]))
    return tmp_path / "lake"


def invoke(lake, *args):
    return CliRunner().invoke(app, ["--lake", str(lake), "backtest", *args])


def test_table_states_fill_timing_fees_and_slippage(lake):
    res = invoke(lake, "sma_crossover", "--symbol", "ORCL", "--param", "fast=1",
                 "--param", "slow=20", "--fees", "0.1,1,2", "--slippage", "constant:5")  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "t+1's open" in res.output
    assert "10 bps + 1 fixed, min 2 per fill" in res.output
    assert "constant 5 bps" in res.output
    assert "sharpe" in res.output and "n_trades" in res.output


def test_json_has_metrics_trades_and_fills_for_several_symbols(lake):
    res = invoke(lake, "sma_crossover", "--symbol", "ORCL", "--symbol", "NVDA",
                 "--sizing", "fraction:0.5", "--start", "1999-06-01", "--json")  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["symbols"] == ["NVDA", "ORCL"]
    assert (out["fees"], out["slippage"]) == ("5 bps + 0 fixed, min 0 per fill", "constant 2 bps")
    assert out["slippage_clamp"].startswith("off") and out["metrics"]["n_clamped_fills"] == 0
    assert out["metrics"]["n_fills"] == len(out["fills"]) > 0
    assert {t["symbol"] for t in out["trades"]} == {"NVDA", "ORCL"}
    assert min(f["ts"] for f in out["fills"]) >= "1999-06-01"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["nope", "--symbol", "ORCL"], UnknownStrategyError),
        (["tests.backtest.broken_strategy", "--symbol", "ORCL"], StrategyImportError),
        (["sma_crossover", "--symbol", "ORCL", "--param", "fast=60"], InvalidParamsError),
        (["sma_crossover", "--symbol", "ORCL", "--param", "fast"], OptionError),
        (["sma_crossover", "--symbol", "ORCL", "--dataset", "nope"], DatasetNotFound),
        (["sma_crossover", "--symbol", "ORCL", "--fees", "x"], OptionError),
        (["sma_crossover", "--symbol", "ORCL", "--start", "2020-13-01"], OptionError),
    ],
)
def test_bad_input_raises_a_quant_error(lake, args, error):
    res = invoke(lake, *args)
    assert isinstance(res.exception, error)


def test_bad_params_exit_2_with_a_message_in_a_real_process(lake):
    out = subprocess.run(
        [sys.executable, "-c", "from quant.cli import main; main()", "--lake", str(lake),
         "backtest", "sma_crossover", "--symbol", "XXX"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 2
    assert "error: bars_1d v0 has no bars for XXX" in out.stderr
    assert "Traceback" not in out.stderr


def test_option_parsers():
    assert parse_fees("0.1").pct == pytest.approx(0.001)
    assert parse_fees("0,1.5,2").model_dump() == {"pct": 0.0, "fixed": 1.5, "minimum": 2.0}
    assert parse_slippage("none").model == "none"
    assert parse_slippage("sqrt:0.7").param == 0.7
    assert parse_sizing("risk:0.01").rule == "risk"
    for bad in ("1,2,3,4", "-1"):
        with pytest.raises(OptionError):
            parse_fees(bad)
    with pytest.raises(OptionError):
        parse_sizing("lots:3")
