"""EvaluationPool reports progress once per evaluated parameter set, serial or in workers."""

import pytest

from quant.backtest.evaluate import EvaluationPool
from tests.backtest.toy_strategy import ToyFactory, write_toy_data


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_is_called_once_per_parameter_set_and_results_keep_order(tmp_path, workers):
    factory = ToyFactory(write_toy_data(tmp_path / "toy.npz"))
    batch = [{"fast": f, "slow": 30} for f in range(5, 12)]
    ticks: list[int] = []
    with EvaluationPool(factory, workers, progress=ticks.append) as pool:
        got = pool.evaluate(batch)
    with EvaluationPool(factory) as pool:
        expected = pool.evaluate(batch)
    assert ticks == [1] * len(batch)
    assert got == expected
