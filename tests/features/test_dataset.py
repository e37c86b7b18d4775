"""build_features: the features dataset, computed from a bars version, with lineage."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from quant.data.store import DatasetNotFound, DatasetStore
from quant.features import DAILY_SPECS, NoBarsError, build_features, compute_features
from tests.features.bars import two_symbol_bars


@pytest.fixture
def store(tmp_path: Path) -> DatasetStore:
    s = DatasetStore(tmp_path / "lake")
    s.append("bars_1d", two_symbol_bars(rows=300), message="test bars")
    return s


def test_features_record_lineage_to_the_bars_version_read(store: DatasetStore) -> None:
    # Act
    info = build_features(store, "SPX")
    # Assert
    assert info.name == "features_1d"
    assert info.lineage == {"bars_1d": 0}
    assert info.extra["symbol"] == "SPX"
    got = store.read("features_1d")
    bars = store.read("bars_1d", filters=[("symbol", "=", "SPX")])
    assert got.equals(compute_features(bars, DAILY_SPECS))


def test_each_symbol_is_upserted_independently(store: DatasetStore) -> None:
    # Act
    build_features(store, "SPX")
    build_features(store, "NDX")
    info = build_features(store, "SPX", force=True)  # re-run: replaces SPX rows, keeps NDX
    # Assert
    got = store.read("features_1d")
    assert info.rows_total == 600
    assert got.group_by("symbol").len().sort("symbol")["len"].to_list() == [300, 300]


def test_pinned_bars_version_is_used_and_recorded(store: DatasetStore) -> None:
    # Arrange: a later bars version with changed closes
    bars = store.read("bars_1d").with_columns(pl.col("close") * 2)
    store.overwrite("bars_1d", bars)
    # Act
    info = build_features(store, "SPX", source_version=0)
    # Assert
    assert info.lineage == {"bars_1d": 0}
    old = store.read("bars_1d", version=0, filters=[("symbol", "=", "SPX")])
    assert store.read("features_1d").equals(compute_features(old, DAILY_SPECS))


def test_unknown_symbol_raises_no_bars(store: DatasetStore) -> None:
    with pytest.raises(NoBarsError, match="no bars for symbol 'ORCL'"):
        build_features(store, "ORCL")


def test_missing_bars_dataset_raises_dataset_not_found(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFound):
        build_features(DatasetStore(tmp_path / "empty"), "SPX")


def test_rebuild_from_same_bars_and_specs_writes_nothing(store: DatasetStore) -> None:
    # Arrange
    first = build_features(store, "SPX")
    build_features(store, "NDX")
    # Act
    again = build_features(store, "SPX")
    # Assert
    assert again.version == first.version
    assert len(store.versions("features_1d")) == 2


def test_new_bars_version_or_force_rebuilds(store: DatasetStore) -> None:
    # Arrange
    first = build_features(store, "SPX")
    forced = build_features(store, "SPX", force=True)
    store.overwrite("bars_1d", store.read("bars_1d").with_columns(pl.col("close") + 1.0))
    # Act
    rebuilt = build_features(store, "SPX")
    # Assert
    assert forced.version == first.version  # recomputed, same rows: nothing committed
    assert rebuilt.version == first.version + 1
    assert rebuilt.lineage == {"bars_1d": 1}


def test_rebuilding_after_bars_lost_rows_leaves_no_orphan_feature_rows(
    store: DatasetStore,
) -> None:
    # Arrange: features of both symbols, then SPX loses 10 bars in the middle and its last 50
    build_features(store, "SPX")
    build_features(store, "NDX")
    bars = store.read("bars_1d")
    spx = bars.filter(pl.col("symbol") == "SPX").sort("ts")
    kept = pl.concat([spx.slice(0, 100), spx.slice(110, 140)])
    store.overwrite("bars_1d", pl.concat([kept, bars.filter(pl.col("symbol") == "NDX")]))
    before = len(store.versions("features_1d"))
    # Act
    info = build_features(store, "SPX")
    # Assert: one commit; SPX features are exactly those of the remaining bars; NDX untouched
    got = store.read("features_1d")
    spx_features = got.filter(pl.col("symbol") == "SPX").sort("ts")
    remaining = store.read("bars_1d", filters=[("symbol", "=", "SPX")])
    assert len(store.versions("features_1d")) == before + 1 and info.operation == "replace"
    assert spx_features["ts"].to_list() == kept["ts"].to_list()
    assert spx_features.equals(compute_features(remaining, DAILY_SPECS).sort("ts"))
    assert got.filter(pl.col("symbol") == "NDX").height == 300
    assert info.rows_removed == 300 and info.rows_total == 540
    assert store.verify("features_1d")["ok"]


def test_rebuilding_the_same_features_commits_nothing(store: DatasetStore) -> None:
    first = build_features(store, "SPX")

    again = build_features(store, "SPX", force=True)

    assert again.version == first.version and len(store.versions("features_1d")) == 1
