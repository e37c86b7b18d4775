"""Datasets on S3-compatible object storage (a real moto server on loopback) through the same
store API: writes, reads, history, rollback, tags; concurrent writers on two 'machines'."""

from __future__ import annotations

import multiprocessing as mp
import uuid

import polars as pl
import pytest
from deltalake import CommitProperties, write_deltalake
from deltalake.exceptions import CommitFailedError

from quant.backtest.optimize import OptimizeRequest, run_optimization
from quant.backtest.optimize_results import results_table
from quant.data.store import DatasetStore
from tests.backtest.bars_fixture import write_bars
from tests.data.store import s3_workers

pytestmark = pytest.mark.s3
BUCKET = "quant-test"


@pytest.fixture(scope="module")
def bucket(s3_server):
    s3_server.create_bucket(BUCKET)
    return s3_server


@pytest.fixture
def s3_root(bucket) -> str:
    return f"s3://{BUCKET}/{uuid.uuid4().hex[:10]}/lake"


def test_write_read_history_rollback_and_tag_on_object_storage(bucket, s3_root, tmp_path):
    store = DatasetStore(
        s3_root, meta_dir=tmp_path / "meta", storage_options=bucket.storage_options()
    )
    v0 = store.append("bars", s3_workers.rows("x", 0), message="first")
    v1 = store.append("bars", s3_workers.rows("x", 1))
    store.tag("bars", "good", version=v1.version)
    v2 = store.overwrite("bars", s3_workers.rows("x", 9))

    assert [v.version for v in store.versions("bars")] == [0, 1, 2]
    assert store.versions("bars")[0].message == "first"
    assert store.read("bars").height == 2 and store.read("bars", version=1).height == 4
    assert store.read("bars", tag="good").height == 4
    assert v2.rows_total == 2 and v0.rows_total == 2

    back = store.rollback("bars", "good", reason="bad overwrite")
    assert back.version == 3 and store.read("bars").sort("symbol", "ts").equals(
        store.read("bars", version=1).sort("symbol", "ts")
    )
    assert store.verify("bars")["ok"]
    assert store.table_uri("bars").startswith(f"s3://{BUCKET}/")


def test_an_s3_lake_can_be_configured_by_the_aws_environment_alone(
    bucket, s3_root, tmp_path, monkeypatch
):
    for key, value in bucket.storage_options().items():
        monkeypatch.setenv(key, value)
    store = DatasetStore(s3_root, meta_dir=tmp_path / "meta")  # no storage_options
    store.append("bars", s3_workers.rows("env", 0))
    assert store.read("bars").height == 2 and store.latest_version("bars") == 0


def test_the_optimiser_reads_pinned_bars_from_an_s3_lake_like_from_a_folder(
    bucket, s3_root, tmp_path, monkeypatch
):
    for key, value in bucket.storage_options().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("QUANT_LAKE_META", str(tmp_path / "meta"))  # locks and tags stay local
    write_bars(s3_root, n=200)
    write_bars(tmp_path / "local", n=200)
    req = OptimizeRequest(
        strategy="tests.backtest.causal_strategy", symbol="TEST", grid=("fast=3:6:3",)
    )

    remote, local = run_optimization(s3_root, req), run_optimization(tmp_path / "local", req)

    assert remote.search.best.params == local.search.best.params
    assert results_table(remote).equals(results_table(local))


def test_a_commit_prepared_on_a_stale_version_is_refused_by_the_server(bucket, s3_root, tmp_path):
    options = bucket.storage_options()
    a = DatasetStore(s3_root, meta_dir=tmp_path / "a", storage_options=options)
    b = DatasetStore(s3_root, meta_dir=tmp_path / "b", storage_options=options)
    a.append("bars", s3_workers.rows("a", 0))
    stale = a.open_table("bars")  # machine A read version 0 ...
    b.append("bars", s3_workers.rows("b", 0))  # ... machine B committed version 1 meanwhile

    with pytest.raises(CommitFailedError):  # version 1 exists: the conditional put fails
        write_deltalake(
            stale,
            s3_workers.rows("a", 1).to_arrow(),
            mode="append",
            commit_properties=CommitProperties(max_commit_retries=0),
        )
    assert a.read("bars").height == 4 and a.latest_version("bars") == 1


@pytest.mark.slow
def test_two_processes_writing_one_dataset_on_object_storage_lose_no_write(
    bucket, s3_root, tmp_path
):
    n = 4
    options = bucket.storage_options()
    DatasetStore(s3_root, meta_dir=tmp_path / "m0", storage_options=options).append(
        "ticks", s3_workers.rows("seed", 0)
    )
    ctx = mp.get_context("spawn")
    go = ctx.Barrier(2)
    procs = [
        ctx.Process(
            target=s3_workers.append_many,
            args=(s3_root, str(tmp_path / f"m{w}"), options, "ticks", w, n, go),
        )
        for w in ("p", "q")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)

    assert [p.exitcode for p in procs] == [0, 0]
    store = DatasetStore(s3_root, meta_dir=tmp_path / "m0", storage_options=options)
    data = store.read("ticks")
    assert data.height == 2 + 2 * 2 * n  # every batch of both writers is there
    for w in ("p", "q"):
        mine = data.filter(pl.col("symbol") == f"{w}A").sort("ts")
        assert mine["close"].to_list() == [float(i) for i in range(n)]
    versions = store.versions("ticks")
    assert len(versions) == 1 + 2 * n  # one commit per write, none overwritten
    assert versions[-1].rows_total == data.height  # the row counts chain through the races
    assert store.verify("ticks")["ok"]  # and so does the incremental checksum
