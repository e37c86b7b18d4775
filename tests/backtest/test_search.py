import math
import time

import pytest

from quant.backtest.evaluate import EvaluationPool
from quant.backtest.search import (
    GeneticSettings,
    SearchError,
    fitness,
    genetic_search,
    grid_search,
)
from quant.backtest.space import build_space
from tests.backtest.toy_strategy import ToyFactory, ToyParams, write_toy_data


@pytest.fixture
def factory(tmp_path):
    return ToyFactory(write_toy_data(tmp_path / "toy.npz"))


def _signature(result):
    return [(c.index, c.generation, c.params, c.fitness) for c in result.candidates]


def test_fitness_negates_minimised_metrics_and_maps_undefined_to_minus_inf():
    assert fitness({"sharpe": 1.5}, "sharpe") == 1.5
    assert fitness({"max_drawdown": 0.2}, "max_drawdown") == -0.2
    assert fitness({"sharpe": None}, "sharpe") == -math.inf
    assert fitness({"sharpe": math.nan}, "sharpe") == -math.inf


def test_grid_search_skips_invalid_combinations_and_finds_the_maximum(factory):
    space = build_space(ToyParams, ["fast=5:9:1", "slow=6:40:1"])
    with EvaluationPool(factory) as pool:
        result = grid_search(space, pool)
    # fast >= slow is rejected by the model: only (fast=6..9, slow<=fast) pairs are invalid
    assert result.n_invalid == 1 + 2 + 3 + 4
    assert len(result.candidates) == space.size - result.n_invalid
    assert result.best.params == {"fast": 7, "slow": 31}
    assert [c.index for c in result.candidates] == list(range(len(result.candidates)))


def test_unknown_objective_is_rejected(factory):
    space = build_space(ToyParams, ["fast=5:9:1"])
    with EvaluationPool(factory) as pool, pytest.raises(SearchError, match="unknown objective"):
        grid_search(space, pool, objective="happiness")


def test_genetic_search_same_seed_is_identical_and_other_seed_differs(factory):
    space = build_space(ToyParams, from_bounds=True)
    cfg = GeneticSettings(population=12, generations=6)
    with EvaluationPool(factory) as pool:
        a = genetic_search(space, pool, seed=7, settings=cfg)
        b = genetic_search(space, pool, seed=7, settings=cfg)
        c = genetic_search(space, pool, seed=8, settings=cfg)
    assert _signature(a) == _signature(b)
    assert _signature(a) != _signature(c)
    assert a.best.params == b.best.params and a.best.fitness == b.best.fitness


def test_genetic_search_improves_on_its_random_start(factory):
    space = build_space(ToyParams, ["fast=1:20:1", "slow=2:60:1"])
    with EvaluationPool(factory) as pool:
        result = genetic_search(
            space, pool, seed=3, settings=GeneticSettings(population=16, generations=12)
        )
    first = max(c.fitness for c in result.candidates if c.generation == 0)
    assert result.best.fitness > first
    assert result.best.fitness >= -1.0  # within one step of the optimum (7, 31)


@pytest.mark.slow
def test_search_is_identical_serial_and_with_two_spawned_workers(factory):
    space = build_space(ToyParams, from_bounds=True)
    cfg = GeneticSettings(population=10, generations=4)
    grid_space = build_space(ToyParams, ["fast=1:20:3", "slow=2:60:7"])
    with EvaluationPool(factory) as pool:
        serial = genetic_search(space, pool, seed=11, settings=cfg)
        serial_grid = grid_search(grid_space, pool)
    t0 = time.perf_counter()
    with EvaluationPool(factory, workers=2) as pool:
        parallel = genetic_search(space, pool, seed=11, settings=cfg)
        parallel_grid = grid_search(grid_space, pool)
    assert time.perf_counter() - t0 < 120
    assert _signature(serial) == _signature(parallel)
    assert _signature(serial_grid) == _signature(parallel_grid)
    assert [c.metrics for c in serial.candidates] == [c.metrics for c in parallel.candidates]
