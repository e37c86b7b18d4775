import json

import numpy as np

from quant.backtest.evaluate import EvaluationPool
from quant.backtest.optimize import Optimization, OptimizeRequest
from quant.backtest.optimize_results import DATASET, summary, write_optimization
from quant.backtest.search import grid_search
from quant.backtest.space import build_space
from quant.backtest.walkforward import walk_forward, walk_forward_windows
from quant.data.store import DatasetStore
from tests.backtest.bars_fixture import write_bars
from tests.backtest.toy_strategy import ToyParams, ToyRunner, ToyRunnerFactory

RETS = np.concatenate([[0.0], np.full(19, 0.01), np.full(20, -0.01)])


def _search_opt(version):
    space = build_space(ToyParams, ["fast=2:5:1"])
    with EvaluationPool(ToyRunnerFactory(tuple(RETS))) as pool:
        found = grid_search(space, pool, "total_return")
    req = OptimizeRequest(strategy="toy", symbol="TEST", grid=("fast=2:5:1",))
    return Optimization(req, "run-a", version, 40, space, search=found)


def _walk_opt(version):
    space = build_space(ToyParams, ["fast=2:3:1"])
    with EvaluationPool(ToyRunnerFactory(tuple(RETS))) as pool:
        walk = walk_forward(
            lambda pool, bars: grid_search(space, pool, "total_return", bars),
            pool,
            ToyRunner(RETS),
            walk_forward_windows(40, 10, 10),
        )
    req = OptimizeRequest(
        strategy="toy", symbol="TEST", grid=("fast=2:3:1",), walk_forward=(10, 10)
    )
    return Optimization(req, "run-b", version, 40, space, walk=walk)


def test_search_rows_are_written_with_lineage_and_rewriting_is_idempotent(isolated_env):
    lake = isolated_env / "lake"
    bars = write_bars(lake, n=40)
    store = DatasetStore(lake)
    opt = _search_opt(bars.version)

    first = write_optimization(store, opt)
    again = write_optimization(store, opt)

    assert first.lineage == {"bars_1d": bars.version}
    assert first.extra["run_id"] == "run-a" and first.extra["seed"] == "0"
    assert again.rows_total == first.rows_total == 4
    assert again.version == first.version  # the same rows again: nothing committed
    df = store.read(DATASET).sort("candidate")
    assert df["phase"].to_list() == ["search"] * 4
    # 19 rising then 20 falling bars: short (odd fast) ends ahead of long (even fast)
    assert df.filter(df["is_best"])["params"].to_list() == [json.dumps({"fast": 3})]
    assert df["total_return"][0] < 0 < df["total_return"][1]


def test_walk_forward_rows_hold_train_test_and_stitched_oos(isolated_env):
    lake = isolated_env / "lake"
    bars = write_bars(lake, n=40)
    store = DatasetStore(lake)
    opt = _walk_opt(bars.version)

    write_optimization(store, opt)

    df = store.read(DATASET)
    counts = dict(df.group_by("phase").len().iter_rows())
    assert counts == {"train": 6, "test": 3, "oos": 1}
    oos = df.filter(df["phase"] == "oos").row(0, named=True)
    assert (oos["window"], oos["bar_start"], oos["bar_end"], oos["n_bars"]) == (-1, 10, 40, 31)
    s = summary(opt)
    assert s["walk_forward"] == "10:10" and len(s["top"]) == 3
    assert s["oos_metrics"]["total_return"] == oos["total_return"]
