"""One set of default costs: the CLI, the library and both backtest assets use the same one."""

import json

import dagster as dg
import polars as pl
from typer.testing import CliRunner

from assets.backtests.backtest import backtest_assets
from assets.backtests.optimize import optimizations
from assets.store import StoreResource
from quant.backtest.cli_optimize import FEES_HELP, SLIPPAGE_HELP
from quant.backtest.config import DEFAULT_FEES, DEFAULT_SLIPPAGE, BacktestConfig
from quant.cli import app
from quant.data.store import DatasetStore
from tests.backtest.bars_fixture import synthetic_bars

COSTS = ("fees", "slippage", "slippage_clamp")


def test_cli_and_assets_report_the_same_default_costs(tmp_path):
    lake = tmp_path / "lake"
    DatasetStore(lake).append("bars_1d", synthetic_bars("ORCL", 250))
    expected = {k: BacktestConfig().describe()[k] for k in COSTS}
    assert expected["fees"].startswith("5 bps") and expected["slippage"] == "constant 2 bps"

    cli = CliRunner().invoke(app, ["--lake", str(lake), "backtest", "sma_crossover",
                                   "--symbol", "ORCL", "--json"])  # fmt: skip
    assert cli.exit_code == 0, cli.output
    cli_out = json.loads(cli.stdout)

    text = CliRunner().invoke(app, ["--lake", str(lake), "backtest", "sma_crossover",
                                    "--symbol", "ORCL"])  # fmt: skip
    assert expected["fees"] in text.stdout and expected["slippage"] in text.stdout

    sma = next(a for a in backtest_assets if a.key.to_user_string() == "backtest_sma_crossover")
    resources = {"store": StoreResource(lake=str(lake))}
    bt = dg.materialize([sma], partition_key="ORCL", resources=resources,
                        instance=dg.DagsterInstance.ephemeral())  # fmt: skip
    asset_model = bt.asset_materializations_for_node("backtest_sma_crossover")[0].metadata
    opt = dg.materialize(
        [optimizations],
        resources=resources,
        run_config={"ops": {"optimizations": {"config": {
            "symbol": "ORCL", "grid": ["fast=5:10:5"], "params": {"slow": "30"}}}}},
        instance=dg.DagsterInstance.ephemeral(),
    )  # fmt: skip
    opt_model = opt.asset_materializations_for_node("optimizations")[0].metadata["model"].value

    assert {k: cli_out[k] for k in COSTS} == expected
    assert {k: asset_model["model"].value[k] for k in COSTS} == expected
    assert {k: opt_model[k] for k in COSTS} == expected
    # the same costs were charged: the stored backtest row equals the CLI's metrics
    row = DatasetStore(lake).read("backtests").filter(pl.col("symbols") == "ORCL")
    assert row["fees"][0] == cli_out["metrics"]["fees"] > 0
    assert row["slippage"][0] == cli_out["metrics"]["slippage"] > 0


def test_the_cli_help_states_the_default_costs():
    assert f"{DEFAULT_FEES.pct * 100:g}" in FEES_HELP and "5 bps" in FEES_HELP
    assert f"constant:{DEFAULT_SLIPPAGE.param:g}" in SLIPPAGE_HELP
    assert DEFAULT_SLIPPAGE.model == "constant"
