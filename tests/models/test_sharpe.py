"""PyMC Sharpe posterior: seeded reproducibility, a sensible answer, the trace as an artefact.
Tiny draw counts keep it fast (the first run compiles PyMC's C code)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quant.data.store import DatasetStore
from quant.models import artefacts
from quant.models.sharpe import (
    SharpeInputError,
    SharpeSettings,
    save_trace,
    sharpe_posterior,
    stored_equity,
)

TINY = SharpeSettings(draws=150, tune=150, chains=1, seed=4)


def test_same_seed_same_summary_and_trace_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    r = rng.standard_t(5, size=600) * 0.01 + 0.003  # a clearly good strategy ...
    r[rng.random(600) < 0.4] = 0.0  # ... flat 40 % of the bars
    a, idata = sharpe_posterior(r, TINY)
    b, _ = sharpe_posterior(r, TINY)
    assert a == b
    assert a["p_sharpe_gt_0"] > 0.95 and a["ci94_low"] < a["sharpe_median"] < a["ci94_high"]
    assert a["sharpe_median"] == pytest.approx(a["sample_sharpe"], rel=0.3)
    nc = save_trace(tmp_path, "pairs_spread:NDX", a, idata)
    back = artefacts.load_netcdf(nc)
    assert np.array_equal(back.posterior["sharpe"].values, idata.posterior["sharpe"].values)
    assert artefacts.load_json(nc.with_suffix(".json"))["p_sharpe_gt_0"] == a["p_sharpe_gt_0"]


def test_unknown_run_and_too_few_returns_are_clear_errors(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path / "lake")
    with pytest.raises(SharpeInputError, match="STRATEGY:SYMBOLS"):
        stored_equity(store, "nosep")
    with pytest.raises(SharpeInputError, match="no backtests are stored"):
        stored_equity(store, "sma_crossover:SPX")
    with pytest.raises(SharpeInputError, match="need >= 10"):
        sharpe_posterior(np.zeros(5), TINY)
