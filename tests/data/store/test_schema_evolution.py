"""Additive schema changes merge (old rows read null, schema version recorded); incompatible
ones fail saying what changed and how to migrate."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pyarrow as pa
import pytest
from deltalake import write_deltalake

from quant.data.store import SchemaMismatch

OLD = {"strategy": pl.String, "symbols": pl.String, "sharpe": pl.Float64, "trades": pl.Int64}


def _results(strategy: str, sharpe: float, **new: list) -> pl.DataFrame:
    """A backtest-results-like row; ``new`` adds columns the next code version computes."""
    row = {"strategy": [strategy], "symbols": ["NVDA"], "sharpe": [sharpe], "trades": [3]}
    return pl.DataFrame({**row, **new}, schema={**OLD, **{k: pl.Float64 for k in new}})


def test_an_upsert_with_a_new_metric_column_merges_into_an_old_lake(store):
    store.upsert("backtests", _results("sma", 1.0), key=("strategy", "symbols"))
    store.upsert("backtests", _results("rsi", 2.0), key=("strategy", "symbols"))

    info = store.upsert(
        "backtests", _results("sma", 1.5, sortino=[2.5]), key=("strategy", "symbols")
    )

    df = store.read("backtests").sort("strategy")
    assert df.columns == [*OLD, "sortino"]
    assert df["sortino"].to_list() == [None, 2.5] and df["sharpe"].to_list() == [2.0, 1.5]
    assert (info.schema_version, store.version_info("backtests", 1).schema_version) == (2, 1)
    assert store.read("backtests", version=1).columns == list(OLD)  # history keeps its schema
    assert store.verify("backtests", all_versions=True)["ok"]  # checksum covers old-row nulls
    again = store.upsert("backtests", _results("rsi", 2.5, sortino=[1.0]), key=("strategy",))
    assert again.schema_version == 2 and store.read("backtests")["sortino"].null_count() == 0


def test_append_and_overwrite_merge_a_new_column_too(store):
    store.append("results", _results("a", 1.0))
    store.append("results", _results("b", 2.0, sortino=[0.5]))
    assert store.read("results").sort("strategy")["sortino"].to_list() == [None, 0.5]
    store.overwrite("results", _results("c", 3.0, sortino=[0.1], calmar=[0.2]))

    info = store.version_info("results")
    assert store.read("results").columns == [*OLD, "sortino", "calmar"]
    assert info.schema_version == 3 and store.verify("results", all_versions=True)["ok"]


def test_a_lake_written_by_an_older_writer_without_store_metadata_evolves(store):
    old = _results("sma", 1.0).to_arrow()
    write_deltalake(store.table_uri("backtests"), old)  # no quant.* commit metadata at all

    store.append("backtests", _results("rsi", 2.0, sortino=[1.0]))

    assert store.read("backtests").sort("strategy")["sortino"].to_list() == [1.0, None]
    assert store.version_info("backtests").schema_version == 2
    assert store.verify("backtests")["ok"]


def test_a_type_change_or_a_dropped_column_fails_saying_how_to_migrate(store):
    store.append("backtests", _results("sma", 1.0))
    retyped = _results("sma", 1.0).with_columns(pl.col("trades").cast(pl.String))

    with pytest.raises(SchemaMismatch, match=r"'trades' int64 -> string.*migrate=True"):
        store.append("backtests", retyped)
    with pytest.raises(SchemaMismatch, match=r"\['trades'\] missing \(dropped or renamed\)"):
        store.upsert("backtests", _results("sma", 2.0).drop("trades"), key=("strategy",))
    assert len(store.versions("backtests")) == 1

    store.overwrite("backtests", retyped.rename({"trades": "n_trades"}), migrate=True)

    assert store.read("backtests").schema["n_trades"] == pl.String
    assert store.version_info("backtests").schema_version == 2
    assert store.read("backtests", version=0).schema["trades"] == pl.Int64


def test_a_new_column_with_only_nulls_and_no_type_is_refused(store):
    store.append("backtests", _results("sma", 1.0))
    untyped = pa.table({**_results("x", 1.0).to_arrow().to_pydict(), "note": [None]})

    with pytest.raises(SchemaMismatch, match=r"new column\(s\) \['note'\] hold only nulls"):
        store.append("backtests", untyped)


def test_a_new_timestamp_column_keeps_its_logical_type(store):
    store.append("results", _results("a", 1.0))
    at = datetime(2024, 1, 2, tzinfo=UTC)
    frame = _results("b", 2.0).with_columns(pl.lit(at).cast(pl.Datetime("ns", "UTC")).alias("at"))

    store.append("results", frame)

    assert store.read("results").schema["at"] == pl.Datetime("ns", "UTC")
    assert store.read("results").sort("strategy")["at"].to_list() == [None, at]
