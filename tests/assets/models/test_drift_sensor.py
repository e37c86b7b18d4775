"""The drift sensor, evaluated for real: quiet on stationary data, one refit request per drift
event (run_key = the drifted model version), and the asset checks agree."""

import json
from datetime import UTC, datetime, timedelta

import dagster as dg
import numpy as np
import polars as pl

from assets.models.drift import drift_checks, model_drift_sensor
from assets.models.pairs import spread_ar
from assets.store import StoreResource
from quant.data.store import DatasetStore
from quant.models.pairs_data import PAIRS_DATASET, fit_ar

N = 600


def _pairs_rows(step: float = 0.0, seed: int = 2) -> pl.DataFrame:
    """NDX~SPX pair rows whose spread is a stationary AR(1) (phi 0.8, sd 1) around 100; the
    last 150 bars shifted by ``step`` standard deviations."""
    rng = np.random.default_rng(seed)
    s = np.empty(N)
    s[0] = 0.0
    e = rng.normal(scale=np.sqrt(1 - 0.8**2), size=N)
    for t in range(1, N):
        s[t] = 0.8 * s[t - 1] + e[t]
    s[N - 150 :] += step
    close = 100.0 + s
    ts = [datetime(2000, 1, 3, tzinfo=UTC) + timedelta(days=i) for i in range(N)]
    return pl.DataFrame({
        "symbol": "NDX", "ts": ts, "open": close, "high": close, "low": close, "close": close,
        "volume": 1.0, "timeframe": "1d", "pair": "NDX~SPX", "x_close": 1.0,
        "hedge_alpha": 0.0, "hedge_beta": 0.0, "hedge_resid_sd": 1.0,
    })  # fmt: skip


def _evaluate(lake, cursor=None):
    ctx = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        cursor=cursor,
        resources={"store": StoreResource(lake=str(lake))},
    )
    return model_drift_sensor(ctx)


def test_sensor_is_quiet_on_stationary_data_and_fires_once_per_drift_event(tmp_path):
    lake = tmp_path / "lake"
    store = DatasetStore(lake)
    store.append(PAIRS_DATASET, _pairs_rows())
    ar = fit_ar(store, "NDX")
    quiet = _evaluate(lake)
    assert not quiet.run_requests and "no drift" in quiet.skip_reason.skip_message

    store.upsert(PAIRS_DATASET, _pairs_rows(step=3.0), key=("symbol", "ts"))  # a step change
    fired = _evaluate(lake, quiet.cursor)
    [req] = fired.run_requests
    assert req.run_key == f"NDX@spread_ar:v{ar.version}"
    assert json.loads(fired.cursor) == [req.run_key]
    again = _evaluate(lake, fired.cursor)  # the same drift event: no second request
    assert not again.run_requests


def test_asset_checks_report_data_drift_after_a_step(tmp_path):
    lake = tmp_path / "lake"
    store = DatasetStore(lake)
    store.append(PAIRS_DATASET, _pairs_rows(step=3.0))
    fit_ar(store, "NDX")
    result = dg.materialize(
        [spread_ar.to_source_asset(), *drift_checks],
        resources={"store": StoreResource(lake=str(lake))},
        instance=dg.DagsterInstance.ephemeral(),
        selection=dg.AssetSelection.checks(*drift_checks),
    )
    evals = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evals["data_drift"].passed
    stats = evals["data_drift"].metadata["drift"].value["NDX"]
    assert stats["statistic"] < 0.01 and stats["n_recent"] == 100
