"""sma_crossover: params validation, fast=1 semantics, decisions equal the crossing rule."""

import numpy as np
import pytest

from quant.backtest.bars import from_arrays
from quant.backtest.engine import run_backtest
from quant.backtest.strategy import InvalidParamsError, validate_params
from quant.core.indicators import sma
from strategies import sma_crossover as S  # noqa: N812
from tests.core.sim.helpers import DAY


def test_params_have_bounds_and_need_fast_below_slow():
    assert S.Params().fast < S.Params().slow
    for bad in ({"fast": 20, "slow": 10}, {"fast": 0}, {"slow": 5000}, {"fats": 3}):
        with pytest.raises(InvalidParamsError):
            validate_params(S, bad)
    with pytest.raises(ValueError):  # frozen
        S.Params().fast = 3  # type: ignore[misc]


def test_fast_one_buys_when_the_close_crosses_above_the_slow_sma_and_exits_below():
    close = np.array([10, 10, 10, 9, 9, 12, 13, 12, 8, 7, 11.0])
    r = run_backtest(S, from_arrays(np.arange(11) * DAY, close), {"fast": 1, "slow": 3})
    slow = sma(close, 3)
    warm = ~np.isnan(np.r_[np.nan, slow[:-1]])
    above, below = close > slow, close < slow
    crossed_up = np.r_[False, ~above[:-1] & above[1:]] & warm  # prev close <= prev SMA
    crossed_dn = np.r_[False, ~below[:-1] & below[1:]] & warm  # prev close >= prev SMA
    tg = r.targets[:, 0]
    assert np.flatnonzero(tg == 1.0).tolist() == np.flatnonzero(crossed_up).tolist() == [5, 10]
    assert np.flatnonzero(tg == 0.0).tolist() == np.flatnonzero(crossed_dn).tolist() == [3, 7]
    # the exit at bar 3 finds no position; the entry at bar 10 has no next bar to fill in
    assert r.fills["bar"].tolist() == [6, 8]


def test_decide_keeps_its_state_so_the_newest_bar_can_be_decided_alone():
    close = np.array([10, 10, 10, 9, 9, 12, 13, 12, 8, 7, 11.0])
    p = S.Params(fast=1, slow=3)
    feats = S.features({"close": close}, p)
    state = S.init_state(p)
    pa = S.params_array(p)
    batch = [S.decide(np.ascontiguousarray(feats[t]), 0.0, state, pa) for t in range(len(close))]
    saved = state.copy()
    # a "live" call for one more bar from the saved state gives the batch's next decision
    close2 = np.r_[close, 5.0]
    feats2 = S.features({"close": close2}, p)
    live = S.decide(np.ascontiguousarray(feats2[-1]), 0.0, saved, pa)
    state2 = S.init_state(p)
    batch2 = [S.decide(np.ascontiguousarray(feats2[t]), 0.0, state2, pa) for t in range(12)]
    assert np.array_equal(np.array(batch2[:11]), np.array(batch), equal_nan=True)
    assert live == batch2[-1] == 0.0
