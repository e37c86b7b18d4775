"""The lookahead guard's streaming check: batch features == streaming features on every bar."""

from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from quant.backtest.bars import from_frame
from quant.backtest.lookahead import check_lookahead, streaming_check
from quant.backtest.strategy import resolve
from quant.core.streaming import Indicator, derive_features
from tests.backtest.sample_bars import daily_bars


@pytest.mark.parametrize("name", ["sma_crossover", "rsi_mean_reversion", "zscore_reversion"])
def test_every_shipped_strategy_streams_exactly_its_batch_features(name):
    bars = from_frame(pl.concat([daily_bars("ORCL", 700), daily_bars("NVDA", 500)]))
    what, leak = streaming_check(resolve(name), bars, {})()
    assert "every bar" in what and leak is None


def test_a_batch_form_that_peeks_one_bar_ahead_is_caught_at_its_first_bar():
    specs = (Indicator("sma", "close", 5),)
    features, init, step = derive_features(lambda p: specs)

    def peeking(bars, p):  # tomorrow's average, today
        f = features(bars, p)
        return np.vstack([f[1:], f[-1:]])

    mod = SimpleNamespace(Params=dict, features=peeking, features_init=init, features_step=step)
    bars = from_frame(daily_bars("ORCL", 60))
    _, leak = streaming_check(mod, bars, {})()
    assert leak is not None and leak.check == "streaming" and leak.what == "feature 0"
    assert leak.bar == 3  # the batch shows bar 4's first average on bar 3, streaming NaN
    report = check_lookahead(lambda n: np.zeros(n), 60, extra_check=streaming_check(mod, bars, {}))
    assert report.leak is not None and report.leak.check == "streaming"


def test_a_strategy_without_a_streaming_form_has_no_streaming_check():
    assert streaming_check(SimpleNamespace(features=None), None, {}) is None
