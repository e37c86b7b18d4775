"""The optimiser's bridge to the engine: bars saved for workers, one load per process."""

import numpy as np
import pytest

from quant.backtest.bars import from_arrays, load_arrays, save_arrays
from quant.backtest.evaluate import EvaluationPool
from quant.backtest.runner import BacktestFactory, BarsRef, SavedBars
from tests.backtest.bars_fixture import write_bars
from tests.backtest.worker_modules import ModulesFactory

CAUSAL = "tests.backtest.causal_strategy"


@pytest.fixture
def factory(isolated_env):
    lake = isolated_env / "lake"
    write_bars(lake, n=300)
    return BacktestFactory(CAUSAL, BarsRef(str(lake), "bars_1d", 0, "TEST"))


def test_saved_arrays_round_trip_every_array_and_stay_writable(tmp_path):
    rng = np.random.default_rng(0)
    c = 100 + rng.normal(size=(50, 2)).cumsum(axis=0)
    bars = from_arrays(np.arange(50) * 10**9, c, c + 0.1, c + 1, c - 1, c * 0 + 5, ("A", "B"))
    bars = type(bars)(**{**bars.__dict__, "extra": {"beta": c / 2}})
    save_arrays(bars, tmp_path / "b")
    back = load_arrays(tmp_path / "b")
    assert back.symbols == ("A", "B") and list(back.extra) == ["beta"]
    for name in ("ts", "open", "high", "low", "close", "volume"):
        assert np.array_equal(getattr(back, name), getattr(bars, name))
        assert type(getattr(back, name)) is np.ndarray and getattr(back, name).flags.writeable
    assert np.array_equal(back.extra["beta"], bars.extra["beta"])


def test_worker_recipe_reads_saved_bars_and_gives_identical_metrics(factory, tmp_path):
    ship = factory.for_workers(str(tmp_path / "w"))
    assert ship.bars == SavedBars(str(tmp_path / "w"))
    assert factory.__getstate__()["_loaded"] == {}  # the loaded bars never travel
    params = {"fast": 3, "slow": 15}
    assert ship.build()(params, None) == factory.build()(params, None)
    assert ship.build()(params, (20, 200)) == factory.build()(params, (20, 200))


def test_spawned_workers_get_saved_bars_never_import_polars_and_use_one_numba_thread(factory):
    batch = [{"fast": f, "slow": 20} for f in (2, 3, 4, 5)]
    with EvaluationPool(ModulesFactory(factory), workers=2) as pool:
        got = pool.evaluate(batch)
    with EvaluationPool(factory) as pool:
        serial = pool.evaluate(batch)
    assert [g.pop("heavy_modules") for g in got] == [[]] * len(batch)
    assert [g.pop("numba_threads") for g in got] == [1] * len(batch)  # the processes are the cores
    assert got == serial
