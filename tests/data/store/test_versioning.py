import polars as pl
import pytest

from quant.data.store import InvalidWrite, SnapshotNotFound, TagNotFound, VersionNotFound
from tests.data.store.conftest import bars


def test_rollback_then_rollback_of_rollback_restores_original_checksums(store):
    good = store.append("bars_1d", bars("NVDA", 5))
    bad = store.append("bars_1d", bars("NVDA", 3, start=100, price=-1.0))

    back = store.rollback("bars_1d", to=good.version, reason="bad load")
    again = store.rollback("bars_1d", to=bad.version, reason="it was fine")

    assert (back.version, again.version) == (2, 3)
    assert back.operation == "rollback" and back.message == "bad load"
    assert back.checksum == good.checksum and back.rows_total == good.rows_total
    assert again.checksum == bad.checksum and again.rows_total == bad.rows_total
    assert (back.rows_added, back.rows_removed) == (0, 3)
    assert back.extra == {"rollback_to": "0", "rollback_from": "1"}
    assert store.read("bars_1d").sort("ts").equals(store.read("bars_1d", version=1).sort("ts"))
    assert store.verify("bars_1d", all_versions=True)["ok"]


def test_rollback_to_tag_and_bad_targets_change_nothing(store):
    store.append("bars_1d", bars("NVDA", 5))
    store.tag("bars_1d", "golden")
    store.append("bars_1d", bars("ORCL", 5))

    info = store.rollback("bars_1d", to="golden", reason="restore golden")

    assert info.rows_total == 5
    with pytest.raises(TagNotFound, match="no tag 'nope'"):
        store.rollback("bars_1d", to="nope", reason="x")
    with pytest.raises(VersionNotFound, match="no version 42"):
        store.rollback("bars_1d", to=42, reason="x")
    with pytest.raises(InvalidWrite, match="needs a reason"):
        store.rollback("bars_1d", to=0, reason=" ")
    with pytest.raises(InvalidWrite, match="already holds"):
        store.rollback("bars_1d", to=0, reason="again")
    assert store.version_info("bars_1d").version == 2


def test_tags_pin_versions_move_only_explicitly_and_untag(store):
    store.append("bars_1d", bars("NVDA", 2))
    store.append("bars_1d", bars("ORCL", 2))

    store.tag("bars_1d", "v-paper", version=0, message="paper results")

    assert store.read("bars_1d", tag="v-paper").height == 2
    with pytest.raises(InvalidWrite, match="already points at version 0"):
        store.tag("bars_1d", "v-paper", version=1)
    store.tag("bars_1d", "v-paper", version=1, move=True)
    assert [t["version"] for t in store.tags("bars_1d")] == [1]
    store.untag("bars_1d", "v-paper")
    with pytest.raises(TagNotFound):
        store.untag("bars_1d", "v-paper")
    with pytest.raises(VersionNotFound):
        store.tag("bars_1d", "later", version=5)


def test_snapshot_records_versions_across_datasets_and_reads_them_back(store):
    store.append("bars_1d", bars("NVDA", 4))
    store.append("features_1d", pl.DataFrame({"x": [1.0, 2.0]}))
    store.tag("features_1d", "first")
    store.append("bars_1d", bars("ORCL", 4))
    store.append("features_1d", pl.DataFrame({"x": [3.0]}))

    snap = store.create_snapshot("paper-2026", ["bars_1d@0", "features_1d@first"])
    store.append("bars_1d", bars("SPX", 4))
    frames = store.read_snapshot("paper-2026")

    assert snap["datasets"] == {"bars_1d": 0, "features_1d": 0}
    assert {k: v.height for k, v in frames.items()} == {"bars_1d": 4, "features_1d": 2}
    assert [s["name"] for s in store.snapshots()] == ["paper-2026"]
    with pytest.raises(InvalidWrite, match="exists already"):
        store.create_snapshot("paper-2026", ["bars_1d"])
    with pytest.raises(SnapshotNotFound):
        store.snapshot("nope")


def test_diff_reports_keys_added_removed_changed_and_schema(store):
    store.append("bars_1d", bars("NVDA", 5))
    changed = bars("NVDA", 2, start=4, price=900.0)  # ts day 4 changes, day 5 is new
    store.upsert("bars_1d", changed)

    d = store.diff("bars_1d", 0, 1)

    assert (d["rows_a"], d["rows_b"]) == (5, 6)
    assert (d["keys_added"], d["keys_removed"], d["keys_changed"]) == (1, 0, 1)
    assert d["key"] == ["symbol", "ts"]
    assert d["schema"] == {"added": [], "removed": [], "type_changed": {}}
