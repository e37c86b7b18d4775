"""End-to-end optimisation through the real engine, store and spawned worker processes."""

import pytest

from quant.backtest.optimize import OptimizeRequest, run_optimization
from quant.backtest.optimize_results import DATASET, write_optimization
from quant.backtest.space import ParamSpaceError
from quant.data.store import DatasetStore
from tests.backtest.bars_fixture import write_bars

CAUSAL = "tests.backtest.causal_strategy"


@pytest.fixture
def lake(isolated_env):
    path = isolated_env / "lake"
    write_bars(path, n=300)
    write_bars(path, n=250)  # a second version: runs must pin the one they read
    return path


def _signature(search):
    return [(c.index, c.generation, c.params, c.fitness) for c in search.candidates]


def test_grid_optimisation_pins_the_version_and_finds_the_best_candidate(lake):
    req = OptimizeRequest(
        strategy=CAUSAL, symbol="TEST", version=0, grid=("fast=2:10:4", "slow=10:30:10")
    )
    opt = run_optimization(lake, req)
    assert (opt.bars_version, opt.n_bars) == (0, 300)
    assert opt.search.n_invalid == 1  # fast=10, slow=10
    assert len(opt.search.candidates) == 8
    best = max(c.metrics["sharpe"] for c in opt.search.candidates)
    assert opt.search.best.metrics["sharpe"] == best

    info = write_optimization(DatasetStore(lake), opt)
    assert info.lineage == {"bars_1d": 0}
    assert DatasetStore(lake).read(DATASET).height == 8


def test_grid_outside_the_params_bounds_is_rejected(lake):
    req = OptimizeRequest(strategy=CAUSAL, symbol="TEST", grid=("fast=0:10:5",))
    with pytest.raises(ParamSpaceError, match="outside"):
        run_optimization(lake, req)


@pytest.mark.slow
def test_genetic_optimisation_is_identical_serial_and_with_two_spawned_workers(lake):
    base = dict(strategy=CAUSAL, symbol="TEST", genetic=True, population=8, generations=3, seed=5)
    serial = run_optimization(lake, OptimizeRequest(**base))
    parallel = run_optimization(lake, OptimizeRequest(**base, workers=2))
    other_seed = run_optimization(lake, OptimizeRequest(**base | {"seed": 6}))

    assert _signature(serial.search) == _signature(parallel.search)
    assert serial.search.best.params == parallel.search.best.params
    assert serial.run_id == parallel.run_id  # workers do not change the run
    assert _signature(serial.search) != _signature(other_seed.search)


def test_walk_forward_optimisation_stitches_every_test_window(lake):
    req = OptimizeRequest(
        strategy=CAUSAL, symbol="TEST", grid=("fast=3:6:3", "slow=20:30:10"), walk_forward=(100, 50)
    )
    opt = run_optimization(lake, req)
    windows = [wr.window for wr in opt.walk.windows]
    assert [(w.train_start, w.test_start, w.test_end) for w in windows] == [
        (0, 100, 150), (50, 150, 200), (100, 200, 250), (150, 250, 300),
    ]  # fmt: skip
    assert opt.walk.stitched.n_bars == 201  # the pre-test bar + 200 test bars
    write_optimization(DatasetStore(lake), opt)
    df = DatasetStore(lake).read(DATASET)
    assert dict(df.group_by("phase").len().iter_rows()) == {"train": 16, "test": 4, "oos": 1}
