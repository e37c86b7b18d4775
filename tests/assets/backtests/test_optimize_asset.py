import dagster as dg

from assets.backtests.optimize import optimizations
from assets.definitions import defs
from assets.store import StoreResource
from quant.data.store import DatasetStore
from tests.backtest.bars_fixture import write_bars


def test_optimization_job_is_in_the_definitions():
    assert defs.resolve_job_def("optimization_job") is not None


def test_optimizations_asset_writes_rows_with_lineage_and_best_params_metadata(tmp_path):
    lake = tmp_path / "lk"
    bars = write_bars(lake, n=250, symbols=("SPX",))
    config = {"grid": ["fast=5:10:5", "slow=20:40:20"], "symbol": "SPX", "fees": "0.1"}

    result = dg.materialize(
        [optimizations],
        resources={"store": StoreResource(lake=str(lake))},
        run_config={"ops": {"optimizations": {"config": config}}},
        instance=dg.DagsterInstance.ephemeral(),
    )

    assert result.success
    mat = result.asset_materializations_for_node("optimizations")[0]
    assert mat.metadata["dataset"].value == "optimizations"
    assert mat.metadata["upstream/bars_1d"].value == bars.version
    assert mat.metadata["evaluated"].value == 4
    assert set(mat.metadata["best_params"].value) == {"fast", "slow"}
    assert [r.data["rank"] for r in mat.metadata["top"].records] == [1, 2, 3, 4]
    rows = DatasetStore(lake).read("optimizations")
    assert rows.height == 4 and (rows["fees"] > 0).all()
