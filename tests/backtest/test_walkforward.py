import numpy as np
import pytest

from quant.backtest.evaluate import EvaluationPool
from quant.backtest.search import grid_search
from quant.backtest.space import build_space
from quant.backtest.walkforward import (
    WalkForwardError,
    Window,
    parse_walk_forward,
    walk_forward,
    walk_forward_windows,
)
from tests.backtest.toy_strategy import ToyParams, ToyRunner, ToyRunnerFactory


def test_windows_roll_by_the_test_length_and_keep_a_short_last_test():
    assert walk_forward_windows(12, 4, 3) == [
        Window(0, 0, 4, 4, 7),
        Window(1, 3, 7, 7, 10),
        Window(2, 6, 10, 10, 12),
    ]


def test_a_last_test_window_of_one_bar_is_dropped():
    assert [w.test_end for w in walk_forward_windows(11, 4, 3)] == [7, 10]


def test_history_too_short_for_one_window_is_an_error():
    with pytest.raises(WalkForwardError, match="cannot hold one window"):
        walk_forward_windows(5, 4, 3)


@pytest.mark.parametrize("spec", ["100", "10:1", "a:b", "0:5"])
def test_bad_walk_forward_spec_is_rejected(spec):
    with pytest.raises(WalkForwardError):
        parse_walk_forward(spec)


def test_walk_forward_picks_per_window_best_and_stitches_test_returns():
    # returns rise in the first half and fall in the second: long wins, then short wins
    rets = np.concatenate([np.full(20, 0.01), np.full(20, -0.01)])
    rets[0] = 0.0
    space = build_space(ToyParams, ["fast=2:3:1"])  # 2 -> long, 3 -> short
    runner = ToyRunner(rets)
    windows = walk_forward_windows(40, 10, 10)

    def search(pool, bars):
        return grid_search(space, pool, "total_return", bars)

    with EvaluationPool(ToyRunnerFactory(tuple(rets))) as pool:
        result = walk_forward(search, pool, runner, windows)

    chosen = [w.search.best.params["fast"] for w in result.windows]
    assert [w.window.test_start for w in result.windows] == [10, 20, 30]
    assert chosen == [2, 2, 3]  # window 1 trains on bars 10..19 (rising) and tests 20..29
    # stitched curve starts at the runs' capital (100), then +1 % for bars 10..19,
    # -1 % for 20..29 (window 1 picked the wrong side), +1 % for 30..39
    steps = np.concatenate([[1.0], np.full(10, 1.01), np.full(10, 0.99), np.full(10, 1.01)])
    expected = 100 * np.cumprod(steps)
    np.testing.assert_allclose(result.stitched_equity, expected)
    assert result.stitched.n_bars == 31
    assert result.stitched.n_trades == 30 and result.stitched.n_fills == 30
    assert result.stitched.total_return == pytest.approx(expected[-1] / expected[0] - 1)
    assert result.windows[1].test_metrics.total_return == pytest.approx(0.99**10 - 1)
