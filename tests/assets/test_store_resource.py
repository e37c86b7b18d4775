import dagster as dg

from assets.store import StoreResource, store_result
from tests.data.store.conftest import bars


def test_store_resource_defaults_to_settings_lake(isolated_env):
    store = StoreResource().get()

    assert str(store.root) == str(isolated_env / "lake")


def test_asset_writing_through_resource_reports_version_rows_checksum_lineage(tmp_path):
    @dg.asset
    def bars_1d(store: StoreResource) -> dg.MaterializeResult:
        s = store.get()
        src = s.append("raw", bars("NVDA", 3))
        return store_result(s.append("bars_1d", bars(), lineage={"raw": src.version}), note="x")

    result = dg.materialize(
        [bars_1d],
        resources={"store": StoreResource(lake=str(tmp_path / "lk"))},
        instance=dg.DagsterInstance.ephemeral(),
    )

    mat = result.asset_materializations_for_node("bars_1d")[0]
    assert mat.metadata["dataset"].value == "bars_1d"
    assert mat.metadata["version"].value == 0
    assert mat.metadata["rows"].value == 5
    assert len(mat.metadata["checksum"].value) == 32
    assert mat.metadata["upstream/raw"].value == 0
    assert mat.metadata["note"].value == "x"
    assert mat.tags["dagster/data_version"] == "0"


def test_store_resource_with_run_id_authors_writes_as_that_run(tmp_path):
    store = StoreResource(lake=str(tmp_path / "lk")).get("run-123")

    info = store.append("bars_1d", bars())

    assert info.author == "dagster:run-123"
    assert store.append("bars_1d", bars("ORCL"), author="someone").author == "someone"
