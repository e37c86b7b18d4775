import shutil

import polars as pl
import pytest

from quant.data.store import VersionNotFound
from tests.data.store.conftest import bars


def _five_versions(store):
    for i in range(5):
        store.overwrite("bars_1d", bars("NVDA", 3, price=100.0 + i))


def test_gc_dry_run_lists_files_and_changes_nothing(store):
    _five_versions(store)

    plan = store.gc(keep_last=1, dry_run=True, grace_s=0)[0]

    assert plan["expired_versions"] == [0, 1, 2, 3] and plan["files"] == 4
    assert store.read("bars_1d", version=0).height == 3


def test_gc_never_removes_tagged_snapshotted_or_lineage_versions(store):
    _five_versions(store)
    store.tag("bars_1d", "keep-me", version=0)
    store.create_snapshot("snap", {"bars_1d": 1})
    store.append("features_1d", pl.DataFrame({"x": [1.0]}), lineage={"bars_1d": 2})

    report = {r["dataset"]: r for r in store.gc(keep_last=1, grace_s=0)}

    assert report["bars_1d"]["expired_versions"] == [3]
    for v in (0, 1, 2, 4):
        assert store.read("bars_1d", version=v)["close"].min() == 100.0 + v
    with pytest.raises(VersionNotFound, match="garbage-collected"):
        store.read("bars_1d", version=3)
    assert store.verify("bars_1d", all_versions=True)["ok"]
    store.append("bars_1d", bars("ORCL", 1))  # writes continue after gc
    assert store.version_info("bars_1d").rows_total == 4


def test_verify_reports_a_tampered_data_file(store):
    store.append("bars_1d", bars("NVDA", 3))
    store.append("bars_1d", bars("ORCL", 3))
    files = [f.removeprefix("file://") for f in store.open_table("bars_1d").file_uris()]
    assert store.verify("bars_1d")["ok"]

    shutil.copyfile(files[0], files[1])  # same size and schema, different rows
    report = store.verify("bars_1d")

    assert not report["ok"]
    assert report["versions"][0]["actual"] != report["versions"][0]["recorded"]
