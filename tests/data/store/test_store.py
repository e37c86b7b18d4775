from datetime import UTC, datetime

import polars as pl
import pyarrow as pa
import pytest

from quant.data.store import (
    DatasetNotFound,
    DatasetStore,
    EmptyWrite,
    InvalidName,
    InvalidWrite,
    SchemaMismatch,
    VersionNotFound,
)
from quant.data.store.checksum import table_checksum
from tests.data.store.conftest import bars


def _recomputed_checksum(store: DatasetStore, name: str, version: int) -> str:
    return str(table_checksum(store.open_table(name, version).to_pyarrow_dataset().to_table()))


def test_first_append_creates_version_zero_with_full_commit_metadata(store):
    info = store.append("bars_1d", bars(), message="load", author="tester", extra={"chunk": "1"})

    assert info.version == 0
    assert (info.operation, info.rows_added, info.rows_removed, info.rows_total) == (
        "append",
        5,
        0,
        5,
    )
    assert info.author == "tester" and info.message == "load" and info.extra == {"chunk": "1"}
    assert len(info.schema_hash) == 16 and len(info.checksum) == 32
    assert info.code_version.startswith(("git:", "quant=="))
    assert info.timestamp.tzinfo is not None
    assert store.exists("bars_1d") and store.list() == ["bars_1d"]


def test_read_returns_logical_schema_with_nanosecond_timestamps(store):
    store.append("bars_1d", bars())

    df = store.read("bars_1d")

    assert df.schema == bars().schema
    assert df.sort("ts").equals(bars())


def test_append_overwrite_upsert_keep_rows_and_checksum_consistent(store):
    store.append("bars_1d", bars("NVDA", 5))
    store.append("bars_1d", bars("ORCL", 3))
    changed = bars("NVDA", 2, start=4, price=500.0)  # one existing key, one new

    up = store.upsert("bars_1d", changed, key=("symbol", "ts"))
    ov = store.overwrite("bars_1d", bars("SPX", 4))

    assert (up.rows_added, up.rows_removed, up.rows_total) == (2, 1, 9)
    assert store.read("bars_1d", version=up.version).height == 9
    nvda = store.read("bars_1d", version=up.version, filters=[("symbol", "=", "NVDA")])
    assert nvda.sort("ts")["close"].to_list()[-2:] == [500.0, 501.0]
    assert (ov.rows_added, ov.rows_removed, ov.rows_total) == (4, 9, 4)
    for v in store.versions("bars_1d"):
        assert v.checksum == _recomputed_checksum(store, "bars_1d", v.version)


def test_checksum_ignores_row_order_and_file_layout(store):
    data = bars("NVDA", 20)
    a = store.append("a", data)
    store.append("b", data[:7])
    b = store.append("b", data[7:].reverse())

    assert a.checksum == b.checksum


def test_lineage_is_recorded_and_must_name_existing_versions(store):
    src = store.append("bars_1d", bars())

    out = store.append("features_1d", pl.DataFrame({"x": [1.0]}), lineage={"bars_1d": src.version})

    assert out.lineage == {"bars_1d": 0}
    with pytest.raises(VersionNotFound, match="no version 7"):
        store.append("features_1d", pl.DataFrame({"x": [2.0]}), lineage={"bars_1d": 7})
    with pytest.raises(DatasetNotFound, match="nope"):
        store.append("features_1d", pl.DataFrame({"x": [2.0]}), lineage={"nope": 0})
    assert store.version_info("features_1d").version == 0


def test_reads_by_version_and_as_of_time(store):
    v0 = store.append("bars_1d", bars("NVDA", 2))
    v1 = store.append("bars_1d", bars("ORCL", 3))

    assert store.read("bars_1d", version=0).height == 2
    assert store.read("bars_1d", as_of=v0.timestamp).height == 2
    assert store.read("bars_1d", as_of=v1.timestamp.isoformat()).height == 5
    with pytest.raises(VersionNotFound, match="as of"):
        store.read("bars_1d", as_of=datetime(2000, 1, 1, tzinfo=UTC))
    with pytest.raises(VersionNotFound, match="no version 9"):
        store.read("bars_1d", version=9)


def test_columns_and_filters_apply_to_polars_and_duckdb(store):
    store.append("bars_1d", bars("NVDA", 5))
    store.append("bars_1d", bars("ORCL", 5))

    df = store.read("bars_1d", columns=["symbol", "close"], filters=[("symbol", "in", ["ORCL"])])
    lf = store.scan("bars_1d", filters=pl.col("close") > 102.0)
    rel = store.relation("bars_1d", columns=["close"], filters=[("symbol", "=", "NVDA")])

    assert df.columns == ["symbol", "close"] and set(df["symbol"]) == {"ORCL"}
    assert lf.collect().height == 4
    assert sorted(rel.to_arrow_table()["close"].to_pylist()) == [100.0, 101.0, 102.0, 103.0, 104.0]
    assert rel.aggregate("count(*)").fetchall() == [(5,)]


def test_wrong_schema_and_types_are_rejected_and_nothing_written(store):
    store.append("bars_1d", bars())

    with pytest.raises(SchemaMismatch, match="\\['timeframe'\\] missing"):
        store.append("bars_1d", bars().drop("timeframe"))
    with pytest.raises(SchemaMismatch, match="'close' double -> string"):
        store.append("bars_1d", bars().with_columns(pl.col("close").cast(pl.String)))

    assert [v.version for v in store.versions("bars_1d")] == [0]


def test_empty_frames_bad_names_and_bad_keys_are_rejected(store):
    with pytest.raises(EmptyWrite, match="0 rows"):
        store.append("bars_1d", bars()[:0])
    with pytest.raises(InvalidName, match="invalid dataset name"):
        store.append("Bars;drop", bars())
    with pytest.raises(InvalidWrite, match="upsert key"):
        store.upsert("bars_1d", bars(), key=("symbol", "nope"))
    with pytest.raises(InvalidWrite, match="repeats the key"):
        store.upsert("bars_1d", pl.concat([bars(), bars()]))
    with pytest.raises(SchemaMismatch, match="DataFrame or a pyarrow Table"):
        store.append("bars_1d", {"a": [1]})

    assert store.list() == []


def test_sub_microsecond_timestamps_are_rejected_not_truncated(store):
    ts = pa.array([1_000_000_001], pa.timestamp("ns", tz="UTC"))

    with pytest.raises(SchemaMismatch, match="'ts' cannot be stored"):
        store.append("ticks", pa.table({"ts": ts}))
    assert not store.exists("ticks")


def test_unknown_dataset_reads_raise_dataset_not_found(store):
    with pytest.raises(DatasetNotFound, match="'ghost' does not exist"):
        store.read("ghost")
    with pytest.raises(DatasetNotFound):
        store.versions("ghost")
