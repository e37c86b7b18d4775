"""The optimiser and walk-forward on a real Dask cluster (spawned worker processes) give
exactly the single-machine results; the executor spec is validated."""

import sys

import dagster as dg
import pytest

from assets.backtests.optimize import optimizations
from assets.store import StoreResource
from quant.backtest.dask_pool import ExecutorError, parse_executor
from quant.backtest.optimize import OptimizeRequest, run_optimization
from quant.backtest.optimize_results import results_table
from quant.cli import main
from quant.data.store import DatasetStore
from tests.backtest.bars_fixture import write_bars

CAUSAL = "tests.backtest.causal_strategy"


@pytest.fixture
def lake(isolated_env):
    path = isolated_env / "lake"
    write_bars(path, n=300)
    return path


def test_executor_spec_is_local_dask_or_dask_with_an_address():
    assert parse_executor("local") == ("local", None)
    assert parse_executor("dask") == ("dask", None)
    assert parse_executor("dask:tcp://10.0.0.5:8786") == ("dask", "tcp://10.0.0.5:8786")
    for bad in ("ray", "local:x", ""):
        with pytest.raises(ExecutorError, match="local, dask or dask:ADDRESS"):
            parse_executor(bad)


@pytest.mark.dask
def test_genetic_search_on_the_dask_cluster_equals_the_local_run(lake, dask_cluster):
    base = dict(strategy=CAUSAL, symbol="TEST", genetic=True, population=8, generations=3, seed=5)
    local = run_optimization(lake, OptimizeRequest(**base))
    remote = run_optimization(
        lake, OptimizeRequest(**base, executor=f"dask:{dask_cluster.address}")
    )

    assert remote.search.best.params == local.search.best.params
    assert results_table(remote).equals(results_table(local))  # every row, every metric
    assert remote.run_id == local.run_id  # where it ran is not part of the run


@pytest.mark.dask
def test_walk_forward_on_the_dask_cluster_equals_the_local_run(lake, dask_cluster):
    base = dict(
        strategy=CAUSAL, symbol="TEST", grid=("fast=3:6:3", "slow=20:30:10"), walk_forward=(100, 50)
    )
    local = run_optimization(lake, OptimizeRequest(**base))
    remote = run_optimization(
        lake, OptimizeRequest(**base, executor=f"dask:{dask_cluster.address}")
    )

    assert [w.search.best.params for w in remote.walk.windows] == [
        w.search.best.params for w in local.walk.windows
    ]
    assert results_table(remote).equals(results_table(local))


@pytest.mark.dask
def test_optimizations_asset_runs_its_sweep_on_the_configured_dask_cluster(lake, dask_cluster):
    config = {"grid": ["fast=5:10:5", "slow=20:40:20"], "symbol": "TEST"}
    runs = {}
    for executor in ("local", f"dask:{dask_cluster.address}"):
        result = dg.materialize(
            [optimizations],
            resources={"store": StoreResource(lake=str(lake))},
            run_config={"ops": {"optimizations": {"config": config | {"executor": executor}}}},
            instance=dg.DagsterInstance.ephemeral(),
        )
        assert result.success
        runs[executor] = result.asset_materializations_for_node("optimizations")[0].metadata

    local, remote = runs.values()
    assert remote["best_params"].value == local["best_params"].value
    assert remote["best_fitness"].value == local["best_fitness"].value
    assert remote["run_id"].value == local["run_id"].value
    assert DatasetStore(lake).read("optimizations").height == 4  # same run: rows upserted


@pytest.mark.dask
def test_plain_dask_executor_uses_the_scheduler_in_dasks_configuration(
    lake, dask_cluster, monkeypatch
):
    import dask
    import distributed

    def no_local_cluster(*args, **kwargs):
        raise AssertionError("a configured scheduler must not start a LocalCluster")

    monkeypatch.setattr(distributed, "LocalCluster", no_local_cluster)
    req = dict(strategy=CAUSAL, symbol="TEST", grid=("fast=3:6:3", "slow=20:30:10"))
    with dask.config.set({"scheduler-address": dask_cluster.address}):
        remote = run_optimization(lake, OptimizeRequest(**req, executor="dask"))
    local = run_optimization(lake, OptimizeRequest(**req))

    assert results_table(remote).equals(results_table(local))


def test_cli_refuses_an_unknown_executor_with_exit_code_2(isolated_env, monkeypatch, capsys):
    lake = isolated_env / "lake"
    write_bars(lake, n=100)
    args = ["optimize", CAUSAL, "--symbol", "TEST", "--grid", "fast=2:4:2", "--executor", "ray"]
    monkeypatch.setattr(sys, "argv", ["quant", "--lake", str(lake), *args])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
    assert "executor must be local, dask or dask:ADDRESS" in capsys.readouterr().err
