"""Dagster conventions the UI relies on: groups, descriptions, kinds, standard metadata,
and ``quant``'s own log lines in a run's event log."""

import dagster as dg
import pytest

from assets import dagster_home
from assets.bars.daily import bars_1d
from assets.definitions import defs
from assets.store import StoreResource, metrics_table

GROUPS = {"ingest", "features", "models", "backtests", "live"}
STORAGE_KIND = "deltalake"  # the one kind for Delta tables (Dagster has an icon for it)


def _assets() -> list[dg.AssetSpec]:
    graph = defs.resolve_asset_graph()
    return [graph.get(k) for k in graph.get_all_asset_keys()]


def test_every_asset_has_a_known_group_a_description_and_kinds():
    for node in _assets():
        name = node.key.to_user_string()
        assert node.group_name in GROUPS, name
        assert node.description and len(node.description) > 20, name
        assert node.kinds, name
        assert "delta" not in node.kinds, f"{name}: use the kind {STORAGE_KIND!r}"


def test_every_job_has_a_description():
    for job in defs.resolve_all_job_defs():
        if job.name.startswith("__"):  # Dagster's implicit asset job
            continue
        assert job.description, job.name


def test_metrics_table_types_columns_rounds_floats_and_blanks_non_finite_values():
    rows = [
        {"sharpe": float("nan"), "n_trades": 3, "name": "a", "ok": True, "ret": 0.2121923291},
        {"sharpe": 0.14374828121, "n_trades": 5, "name": "b", "ok": False, "ret": 121219.2329},
    ]
    table = metrics_table(rows)
    types = {c.name: c.type for c in table.schema.columns}
    assert types == {"sharpe": "float", "n_trades": "int", "name": "string", "ok": "bool",
                     "ret": "float"}  # fmt: skip
    assert [r.data for r in table.records] == [
        {"sharpe": None, "n_trades": 3, "name": "a", "ok": True, "ret": 0.212192},
        {"sharpe": 0.143748, "n_trades": 5, "name": "b", "ok": False, "ret": 121219.0},
    ]


def test_dagster_home_yaml_is_completed_without_losing_existing_settings(tmp_path):
    (tmp_path / "dagster.yaml").write_text("run_monitoring:\n  enabled: true\n")
    dagster_home.ensure(tmp_path)
    dagster_home.ensure(tmp_path)  # idempotent
    text = (tmp_path / "dagster.yaml").read_text()
    assert text.startswith("run_monitoring:\n  enabled: true\n")
    assert text.count("python_logs:") == 1 and text.count("telemetry:") == 1
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    assert instance.managed_python_loggers == ["quant"]


def test_quant_log_lines_and_standard_metadata_reach_the_run(tmp_path):
    dagster_home.ensure(tmp_path / "home")
    instance = dg.DagsterInstance.from_config(str(tmp_path / "home"))
    result = dg.materialize(
        [bars_1d],
        partition_key="SPX",
        resources={"store": StoreResource(lake=str(tmp_path / "lake"))},
        instance=instance,
    )
    assert result.success
    logs = [e.user_message for e in instance.all_logs(result.run_id) if e.user_message]
    # quant.data.ingest logs with structlog; the managed `quant` logger puts it in the run
    assert any(m.startswith("ingest finished") and "dataset=bars_1d" in m for m in logs), logs
    meta = result.asset_materializations_for_node("bars_1d")[0].metadata
    assert meta["dagster/row_count"].value == meta["symbol_rows"].value > 1000
    columns = [c.name for c in meta["dagster/column_schema"].schema.columns]
    assert columns[:2] == ["symbol", "ts"] and "close" in columns
    assert meta["dagster/uri"].value.endswith("bars_1d")


@pytest.mark.filterwarnings("ignore::dagster.BetaWarning")  # raised inside Dagster's tester
def test_new_bars_partition_requests_that_symbols_features(tmp_path):
    instance = dg.DagsterInstance.ephemeral()
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    assert first.total_requested == 0  # no bars yet: nothing to build
    run = dg.materialize(
        [bars_1d],
        partition_key="SPX",
        resources={"store": StoreResource(lake=str(tmp_path / "lake"))},
        instance=instance,
    )
    assert run.success
    after = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert after.total_requested == 1
    assert after.get_requested_partitions(dg.AssetKey("features_1d")) == {"SPX"}
    assert defs.resolve_sensor_def("features_automation_sensor").default_status.value == "RUNNING"
