"""Pair model datasets: lineage, provenance, idempotence and seeded reproducibility."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from quant.data.store import DatasetStore
from quant.models import pairs_data as pd_
from quant.models.hedge import ModelFitError, rolling_hedge_ratio
from tests.backtest.sample_bars import daily_bars


def test_rolling_hedge_ratio_matches_ols_on_each_window() -> None:
    rng = np.random.default_rng(3)
    x = 100 + np.cumsum(rng.normal(size=300))
    y = 5 + 1.7 * x + rng.normal(size=300)
    fit = rolling_hedge_ratio(y, x, 50)
    assert np.isnan(fit.beta[:49]).all()
    for t in (49, 120, 299):
        b, a = np.polyfit(x[t - 49 : t + 1], y[t - 49 : t + 1], 1)
        assert fit.beta[t] == pytest.approx(b, rel=1e-9) and fit.alpha[t] == pytest.approx(a)


def test_fit_pair_writes_lineage_code_version_and_seed(pair_store: DatasetStore) -> None:
    info = pd_.fit_pair(pair_store, "ORCL", "YHOO", window=40, seed=7)
    assert info.lineage == {"bars_1d": 0}
    assert info.code_version and info.extra["seed"] == "7"
    assert json.loads(info.extra["params"]) == {"window": 40}
    assert info.extra["model"] == "rolling_ols" and info.extra["pair"] == "ORCL~YHOO"
    df, v = pd_.read_pair(pair_store, "ORCL")
    assert v == info.version and df.height == 800
    assert df["hedge_beta"].is_nan().sum() == 39  # the warm-up


def test_fit_pair_is_reproducible_and_idempotent(pair_store: DatasetStore, tmp_path: Path) -> None:
    a = pd_.fit_pair(pair_store, "ORCL", "YHOO", window=40)
    assert pd_.fit_pair(pair_store, "ORCL", "YHOO", window=40).version == a.version  # no-op
    other = DatasetStore(tmp_path / "lake2")
    other.append("bars_1d", pair_store.read("bars_1d"))
    b = pd_.fit_pair(other, "ORCL", "YHOO", window=40)
    assert a.checksum == b.checksum  # same inputs + seed -> the same rows, bit for bit
    assert pd_.fit_pair(pair_store, "ORCL", "YHOO", window=41).version == a.version + 1


def test_fit_ar_records_half_life_with_lineage(pair_store: DatasetStore) -> None:
    p = pd_.fit_pair(pair_store, "ORCL", "YHOO", window=40)
    a = pd_.fit_ar(pair_store, "ORCL", seed=3)
    assert a.lineage == {"pairs_1d": p.version} and a.extra["seed"] == "3"
    row = pd_.read_ar(pair_store, "ORCL")
    assert 0.0 < row["phi"] < 1.0 and row["half_life"] > 0 and row["train_bars"] == 532
    assert pd_.fit_ar(pair_store, "ORCL", seed=3).version == a.version
    coef = json.loads(a.extra["coefficients"])
    assert coef["phi"] == row["phi"]


def test_missing_leg_is_a_clear_error(pair_store: DatasetStore) -> None:
    with pytest.raises(ModelFitError, match="no bars for NVDA"):
        pd_.fit_pair(pair_store, "ORCL", "NVDA")
    pair_store.append("bars_1d", daily_bars("NVDA", 5).with_columns(pl.col("close") * 1))
    with pytest.raises(ModelFitError, match="need window"):
        pd_.fit_pair(pair_store, "ORCL", "NVDA", window=60)


def test_latest_hedge_is_the_last_fitted_row(pair_store: DatasetStore) -> None:
    info = pd_.fit_pair(pair_store, "ORCL", "YHOO", window=40)
    last = pd_.latest_hedge(pair_store, "ORCL")
    df, _ = pd_.read_pair(pair_store, "ORCL")
    assert last["pairs_version"] == info.version and last["ts"] == df["ts"][-1]
    assert last["hedge_beta"] == df["hedge_beta"][-1] and last["pair"] == "ORCL~YHOO"
