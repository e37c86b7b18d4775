"""Model assets: a real materialisation of the models group on shipped S&P 500 / NASDAQ bars."""

import dagster as dg
import polars as pl

from assets.definitions import defs
from assets.models import models_assets
from assets.store import StoreResource
from quant.data.store import DatasetStore
from quant.models import artefacts
from tests.models.pair_fixture import arch_bars


def test_models_group_is_registered_with_its_job_checks_and_sensor():
    graph = defs.resolve_asset_graph()
    for name in ("pairs_1d", "spread_ar", "backtest_pairs_spread", "sharpe_posterior",
                 "bar_anomalies"):  # fmt: skip
        assert graph.get(dg.AssetKey(name)).group_name == "models"
    assert defs.resolve_job_def("models_job") and defs.resolve_job_def("retrain_models_job")
    assert defs.resolve_sensor_def("model_drift_sensor")


def test_materialising_the_models_group_writes_datasets_metadata_and_trace(tmp_path):
    lake = tmp_path / "lake"
    store = DatasetStore(lake)
    store.append("bars_1d", pl.concat([arch_bars("NDX", 700), arch_bars("SPX", 700)]))
    run_config = {"ops": {"sharpe_posterior": {"config": {"draws": 100, "tune": 100,
                                                           "chains": 1}}}}  # fmt: skip
    result = dg.materialize(
        models_assets,
        resources={"store": StoreResource(lake=str(lake))},
        run_config=run_config,
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    meta = {a: result.asset_materializations_for_node(a)[0].metadata
            for a in ("pairs_1d", "spread_ar", "sharpe_posterior", "bar_anomalies")}  # fmt: skip
    assert meta["pairs_1d"]["upstream/bars_1d"].value == 0

    def rows(asset: str, key: str) -> list[dict]:  # Dagster table metadata as plain dicts
        return [r.data for r in meta[asset][key].records]

    [coef] = [r for r in rows("pairs_1d", "latest_coefficients") if r["pair"] == "NDX~SPX"]
    assert "hedge_beta" in coef
    [ar] = [r for r in rows("spread_ar", "coefficients") if r["pair"] == "NDX~SPX"]
    assert 0 < ar["phi"] < 1
    assert all("p_sharpe_gt_0" in r for r in rows("sharpe_posterior", "posterior_summary"))
    assert "kalman" in {r["detector"] for r in rows("bar_anomalies", "synthetic_precision_recall")}
    bt = store.read("backtests")
    assert bt["strategy"].to_list() == ["pairs_spread"] and bt["bars_dataset"][0] == "pairs_1d"
    trace = meta["sharpe_posterior"]["traces"].value["pairs_spread:NDX"]
    assert artefacts.load_netcdf(trace).posterior["sharpe"].shape == (1, 100)
    assert store.version_info("bar_anomalies").lineage == {"bars_1d": 0}
    before = {n: store.latest_version(n) for n in ("pairs_1d", "spread_ar", "bar_anomalies")}
    again = dg.materialize(  # same bars version: every model dataset is already current
        [m for m in models_assets if m.key.to_user_string() != "sharpe_posterior"],
        resources={"store": StoreResource(lake=str(lake))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert again.success
    assert before == {n: store.latest_version(n) for n in before}
