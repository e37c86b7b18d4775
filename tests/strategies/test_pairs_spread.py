"""pairs_spread: the hedge ratio is an input column; the backtest is the same whether it is read
from the model dataset or passed in, and plain bars are refused with a clear error."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from quant.backtest.bars import from_arrays, from_frame
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import run_backtest
from quant.core.indicators.inputs import IndicatorInputError
from quant.data.store import DatasetStore
from quant.models import pairs_data as pd_
from quant.models.hedge import rolling_hedge_ratio
from strategies import pairs_spread as P  # noqa: N812
from tests.models.pair_fixture import make_pair_store

CFG = BacktestConfig(allow_short=True)


@pytest.fixture
def pair_store(tmp_path) -> DatasetStore:
    """ORCL and YHOO daily bars in bars_1d."""
    return make_pair_store(tmp_path / "lake")


def _same(a, b) -> None:
    for f in ("equity", "targets"):
        assert np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True), f
    for f in ("orders", "fills", "trades"):  # records: byte for byte
        assert getattr(a, f).tobytes() == getattr(b, f).tobytes(), f


def test_backtest_is_identical_from_model_dataset_or_passed_in(pair_store: DatasetStore) -> None:
    pd_.fit_pair(pair_store, "ORCL", "YHOO", window=40)
    stored, _ = pd_.read_pair(pair_store, "ORCL")
    from_store = run_backtest("pairs_spread", stored, {"entry": 1.5}, CFG)
    # passed in: the same legs, the hedge ratio computed in memory and handed over as arrays
    legs, _ = pd_.load_legs(pair_store, "ORCL", "YHOO")
    col = {c: np.array(legs[c].to_numpy()) for c in ("open", "high", "low", "close", "volume")}
    y, x = col["close"], np.array(legs["x_close"].to_numpy())
    fit = rolling_hedge_ratio(y, x, 40)
    ts = legs["ts"].dt.epoch("ns").to_numpy()
    base = from_arrays(ts, y, col["open"], col["high"], col["low"], col["volume"], ("ORCL",))
    cols = {"x_close": x, "hedge_alpha": fit.alpha, "hedge_beta": fit.beta,
            "hedge_resid_sd": fit.resid_sd}  # fmt: skip
    extra = {k: v.reshape(-1, 1).copy() for k, v in cols.items()}
    passed = run_backtest(P, dataclasses.replace(base, extra=extra), {"entry": 1.5}, CFG)
    _same(from_store, passed)
    assert len(from_store.trades) > 3  # it traded the spread


def test_features_are_the_spread_z_of_the_input_columns(pair_store: DatasetStore) -> None:
    pd_.fit_pair(pair_store, "ORCL", "YHOO", window=40)
    stored, _ = pd_.read_pair(pair_store, "ORCL")
    bars = from_frame(stored).column(0)
    z = P.features(bars, P.Params())[:, 0]
    s = bars["close"] - bars["hedge_alpha"] - bars["hedge_beta"] * bars["x_close"]
    assert np.array_equal(z, s / bars["hedge_resid_sd"], equal_nan=True)
    assert np.isnan(z[:39]).all() and np.isfinite(z[39:]).all()


def test_plain_bars_are_refused_naming_the_missing_columns() -> None:
    bars = from_arrays(np.arange(50, dtype=np.int64), np.linspace(10, 20, 50))
    with pytest.raises(IndicatorInputError, match=r"x_close.*pairs_1d"):
        run_backtest("pairs_spread", bars)


def test_decisions_follow_the_thresholds() -> None:
    pa, st = P.params_array(P.Params()), P.init_state(P.Params())
    assert P.decide(np.array([-2.5]), 0.0, st, pa) == 1.0
    assert P.decide(np.array([2.5]), 0.0, st, pa) == -1.0
    assert P.decide(np.array([0.1]), 1.0, st, pa) == 0.0
    assert np.isnan(P.decide(np.array([1.0]), 1.0, st, pa))


def test_optimiser_path_loads_the_model_columns_and_slices_them(pair_store: DatasetStore) -> None:
    from quant.backtest.runner import BacktestRunner, BarsRef, slice_bars

    info = pd_.fit_pair(pair_store, "ORCL", "YHOO", window=40)
    ref = BarsRef(str(pair_store.root), pd_.PAIRS_DATASET, info.version, "ORCL")
    runner = BacktestRunner("pairs_spread", ref.load(), {"allow_short": True})
    stored, _ = pd_.read_pair(pair_store, "ORCL")
    _same(runner.result({"entry": 1.5}), run_backtest("pairs_spread", stored, {"entry": 1.5}, CFG))
    part = slice_bars(runner.bars, (100, 400))
    assert part.extra["hedge_beta"].shape == (300, 1)
    assert np.array_equal(part.extra["hedge_beta"], runner.bars.extra["hedge_beta"][100:400])
    _same(runner.result({}, (100, 400)), run_backtest("pairs_spread", stored[100:400], {}, CFG))
