"""Backtest assets: a real materialisation writes `backtests` with lineage, metrics and a plot."""

from pathlib import Path

import dagster as dg
import polars as pl

from assets.backtests import backtests_job
from assets.backtests.backtest import backtest_assets
from assets.definitions import defs
from assets.store import StoreResource
from quant.data.store import DatasetStore
from tests.backtest.sample_bars import daily_bars


def test_one_asset_per_strategy_and_a_job_in_the_definitions():
    names = {a.key.to_user_string() for a in backtest_assets}
    assert names == {"backtest_sma_crossover", "backtest_rsi_mean_reversion",
                     "backtest_zscore_reversion"}  # fmt: skip
    assert defs.resolve_job_def("backtests_job").name == backtests_job.name


def test_materialisation_writes_a_row_with_lineage_metrics_table_and_plot(tmp_path):
    lake = tmp_path / "lake"
    store = DatasetStore(lake)
    store.append("bars_1d", pl.concat([daily_bars("ORCL", 1200), daily_bars("NVDA", 300)]))
    store.append("bars_1d", daily_bars("YHOO", 200))  # v1: the latest; the run pins v0
    sma = next(a for a in backtest_assets if a.key.to_user_string() == "backtest_sma_crossover")
    run_config = {"ops": {"backtest_sma_crossover": {"config": {
        "params": {"fast": "5", "slow": "30"}, "bars_version": 0}}}}  # fmt: skip
    result = dg.materialize(
        [sma],
        partition_key="ORCL",
        resources={"store": StoreResource(lake=str(lake))},
        run_config=run_config,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    meta = result.asset_materializations_for_node("backtest_sma_crossover")[0].metadata
    assert meta["upstream/bars_1d"].value == 0
    [metrics] = meta["metrics"].records  # a Dagster table: the UI renders it as one
    assert metrics.data["n_trades"] > 0 and "sharpe" in metrics.data
    assert meta["dagster/row_count"].value == store.version_info("backtests").rows_total
    columns = {c.name for c in meta["dagster/column_schema"].schema.columns}
    assert {"strategy", "sharpe", "bars_version"} <= columns
    assert meta["equity_drawdown"].value.startswith("![equity, drawdown](data:image/png;base64,")
    page = Path(meta["figure"].value)  # the notebooks' plotly figure, viewable offline
    assert page == lake / "_quant" / "figures" / "backtests" / "sma_crossover_ORCL.html"
    assert 'src="plotly.min.js"' in page.read_text() and (page.parent / "plotly.min.js").is_file()
    assert "t+1's open" in meta["model"].value["fill_timing"]
    rows = store.read("backtests")
    assert rows.height == 1 and rows["symbols"][0] == "ORCL"
    assert rows["params"][0] == '{"fast": 5, "short": false, "slow": 30}'
    assert store.version_info("backtests").lineage == {"bars_1d": 0}
    assert len(rows["equity"][0]) == 1200 and rows["n_trades"][0] == meta["n_trades"].value


def test_rematerialising_the_same_backtest_adds_no_backtests_version(tmp_path):
    lake = tmp_path / "lake"
    store = DatasetStore(lake)
    store.append("bars_1d", daily_bars("ORCL", 300))
    sma = next(a for a in backtest_assets if a.key.to_user_string() == "backtest_sma_crossover")
    run_config = {"ops": {"backtest_sma_crossover": {"config": {
        "params": {"fast": "5", "slow": "30"}, "bars_version": 0}}}}  # fmt: skip

    for _ in range(2):  # a second `make demo` re-runs every backtest on the same bars
        result = dg.materialize(
            [sma],
            partition_key="ORCL",
            resources={"store": StoreResource(lake=str(lake))},
            run_config=run_config,
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success

    assert len(store.versions("backtests")) == 1
    assert store.read("backtests").height == 1
