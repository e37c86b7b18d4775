import dagster as dg
import polars as pl

from assets.bars.checks import RULES
from assets.definitions import defs
from quant.config import load_settings
from quant.data import samples
from quant.data.store import DatasetStore


def _store():
    return DatasetStore(load_settings().lake, lock_timeout_s=10)


def _checks(result):
    return {
        (e.asset_key.to_user_string(), e.check_name): e.passed
        for e in result.get_asset_check_evaluations()
    }


def test_bars_job_partition_ingests_the_symbol_with_every_check_passing():
    job = defs.resolve_job_def("bars_job")
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(instance=instance, partition_key="NVDA")
    assert result.success
    [mat] = result.asset_materializations_for_node("bars_1d")
    meta = {k: v.value for k, v in mat.metadata.items()}
    nvda = next(s for s in samples.SAMPLES if s.symbol == "NVDA")
    assert meta["symbol_rows"] == meta["rows_written"] == nvda.rows
    assert meta["rows_quarantined"] == 0
    assert meta["first_ts"].startswith("1999-01-22") and meta["last_ts"].startswith("2014-12-31")
    assert meta["dataset"] == "bars_1d" and meta["version"] >= 0
    checks = _checks(result)
    assert {c for _, c in checks} == {f"no_{r}" for r in RULES} | {"fresh"}
    assert all(checks.values())
    authors = {v.author for v in _store().versions("bars_1d")}
    assert authors == {f"dagster:{result.run_id}"}
    again = job.execute_in_process(instance=instance, partition_key="NVDA")
    [mat2] = again.asset_materializations_for_node("bars_1d")
    assert mat2.metadata["already_complete"].value is True
    assert mat2.metadata["version"].value == meta["version"]


def test_intraday_job_ingests_5m_and_resamples_to_1h_with_passing_checks():
    job = defs.resolve_job_def("bars_intraday_job")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    assert all(_checks(result).values()) and len(_checks(result)) == 2 * (len(RULES) + 1)
    store = _store()
    five = store.read("bars_5m")
    hourly = store.read("bars_1h")
    assert five.height == 2142
    assert hourly.height == five["ts"].dt.truncate("1h").n_unique()
    assert store.version_info("bars_1h").lineage == {
        "bars_5m": store.version_info("bars_5m").version
    }
    assert hourly["volume"].sum() == five["volume"].sum()


def test_rule_check_fails_when_a_stored_bar_breaks_the_rule():
    job = defs.resolve_job_def("bars_intraday_job")
    instance = dg.DagsterInstance.ephemeral()
    assert job.execute_in_process(instance=instance).success
    store = _store()
    bad = (
        store.read("bars_5m")
        .sort("ts")
        .tail(1)
        .with_columns(
            (pl.col("ts") + pl.duration(minutes=5)).cast(pl.Datetime("ns", "UTC")),
            pl.col("low") + 1000.0,
        )
    )
    store.append("bars_5m", bad, message="a corrupt bar written behind the ingest's back")
    result = job.execute_in_process(instance=instance, raise_on_error=False)
    checks = _checks(result)
    assert checks[("bars_5m", "no_high_below_low")] is False
    assert checks[("bars_5m", "no_non_finite_price")] is True
