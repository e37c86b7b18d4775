"""The features_1d asset: a real Dagster run over a temp lake holding bars_1d."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.bars import bars_1d
from assets.definitions import defs
from assets.features import features_1d
from assets.store import StoreResource
from quant.data.store import DatasetStore
from tests.features.bars import two_symbol_bars


def test_features_asset_materialises_partition_with_lineage(tmp_path: Path) -> None:
    # Arrange
    lake = tmp_path / "lake"
    store = DatasetStore(lake)
    bars = store.append("bars_1d", two_symbol_bars(rows=200))
    # Act
    result = dg.materialize(
        [features_1d],
        partition_key="NDX",
        resources={"store": StoreResource(lake=str(lake))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    # Assert
    assert result.success
    [mat] = result.asset_materializations_for_node("features_1d")
    assert mat.partition == "NDX"
    assert mat.metadata["dataset"].value == "features_1d"
    assert mat.metadata["upstream/bars_1d"].value == bars.version
    assert mat.metadata["rows"].value == 200
    assert store.read("features_1d")["symbol"].unique().to_list() == ["NDX"]


def test_features_job_depends_on_bars_1d_and_is_partitioned_by_symbol() -> None:
    # Act
    job = defs.resolve_job_def("features_job")
    spec = defs.resolve_assets_def("features_1d")
    # Assert
    assert "SPX" in job.partitions_def.get_partition_keys()
    assert dg.AssetKey("bars_1d") in spec.asset_deps[dg.AssetKey("features_1d")]


def test_bars_then_features_end_to_end_records_lineage(tmp_path: Path) -> None:
    # Arrange: the real bars asset ingests the shipped SPX file into a temp lake
    lake = tmp_path / "lake"
    resources = {"store": StoreResource(lake=str(lake))}
    # Act
    result = dg.materialize(
        [bars_1d, features_1d],
        partition_key="SPX",
        resources=resources,
        instance=dg.DagsterInstance.ephemeral(),
    )
    # Assert
    assert result.success
    store = DatasetStore(lake)
    features = store.version_info("features_1d")
    assert features.lineage == {"bars_1d": store.version_info("bars_1d").version}
    bars = store.read("bars_1d", filters=[("symbol", "=", "SPX")])
    assert store.read("features_1d").height == bars.height == 5031
