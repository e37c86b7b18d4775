import dagster as dg

from assets.definitions import defs
from quant.data.store import DatasetStore
from tests.data.store.conftest import bars


def _lake(tmp_path):
    store = DatasetStore(tmp_path / "lake", lock_timeout_s=5)
    store.append("bars_1d", bars("NVDA", 3))
    store.append("bars_1d", bars("ORCL", 3))
    return store


def test_datasets_jobs_and_store_resource_are_in_the_definitions():
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("rollback_dataset") is not None
    assert defs.resolve_job_def("snapshot") is not None
    assert "store" in defs.resources


def test_rollback_job_restores_version_in_temp_lake(tmp_path):
    store = _lake(tmp_path)
    job = defs.resolve_job_def("rollback_dataset")

    result = job.execute_in_process(
        run_config={
            "ops": {
                "rollback_op": {
                    "config": {"dataset": "bars_1d", "to": "0", "reason": "bad ORCL load"}
                }
            }
        },
        instance=dg.DagsterInstance.ephemeral(),
    )

    assert result.success
    info = store.version_info("bars_1d")
    assert (info.version, info.operation, info.rows_total) == (2, "rollback", 3)
    assert info.author.startswith("dagster:") and info.message == "bad ORCL load"
    assert result.output_for_node("rollback_op") == 2


def test_rollback_job_with_unknown_tag_fails_and_changes_nothing(tmp_path):
    store = _lake(tmp_path)

    result = defs.resolve_job_def("rollback_dataset").execute_in_process(
        run_config={
            "ops": {"rollback_op": {"config": {"dataset": "bars_1d", "to": "nope", "reason": "x"}}}
        },
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )

    assert not result.success
    assert store.version_info("bars_1d").version == 1


def test_snapshot_job_defaults_to_every_dataset_latest(tmp_path):
    store = _lake(tmp_path)

    result = defs.resolve_job_def("snapshot").execute_in_process(
        instance=dg.DagsterInstance.ephemeral()
    )

    assert result.success
    [snap] = store.snapshots()
    assert snap["datasets"] == {"bars_1d": 1}
    assert snap["name"] == result.output_for_node("snapshot_op")
