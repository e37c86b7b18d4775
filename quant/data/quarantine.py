"""Sorting rows into good bars and quarantine, and the quarantine dataset's rows.

The ``quarantine`` dataset holds every rejected row: target ``dataset``, ``source`` (path
or vendor), ``source_sha256``, ``line`` (file line or row number), ``reason`` (the broken
rules, ``"; "``-joined), ``raw`` (the original text), ``symbol``, ``ts`` (when parsed) and
``ingested_at``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import polars as pl

from quant.data.bars import check_order, conform, rule_exprs, value_reason
from quant.data.sources import Chunk


def classify(chunk: Chunk, carry: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Split a chunk into (good bars, bad rows with ``reason``, updated carry)."""
    frame = chunk.frame
    rules = rule_exprs()
    symbol_rule = rules.pop("invalid_symbol")  # a regex: tried once per distinct symbol
    suspect = frame.select(pl.col("symbol").unique()).select(symbol_rule.fill_null(True).any())
    parse_ok = frame["parse_reason"].null_count() == frame.height
    if not suspect.item():
        broken = pl.any_horizontal(list(rules.values())).fill_null(True)
        suspect = frame.select((pl.col("parse_reason").is_null() & broken).any())
    if suspect.item():
        df = frame.with_columns(pl.coalesce("parse_reason", value_reason()).alias("reason"))
    else:
        df = frame.with_columns(pl.col("parse_reason").alias("reason"))
    valid = df if parse_ok and not suspect.item() else df.filter(pl.col("reason").is_null())
    order, carry = check_order(valid, carry)
    if df is valid and not order.null_count() < order.len():  # the common case: all good
        return conform(valid), df.clear(), carry
    valid = valid.with_columns(order.alias("reason"))
    bad = pl.concat([df.filter(pl.col("reason").is_not_null()), valid.filter(order.is_not_null())])
    good = conform(valid.filter(pl.col("reason").is_null()))
    return good, bad.sort("line"), carry


_VALUES = ("open", "high", "low", "close", "volume")


def drop_stored(
    store: Any, dataset: str, baseline: int | None, bad: pl.DataFrame
) -> tuple[pl.DataFrame, int]:
    """Drop rows rejected for ordering that repeat a bar stored *before* this source.

    A row whose ``(symbol, ts)`` was in the dataset at version ``baseline`` (before this
    source's first commit) is a ``duplicate_key``: when all its values equal the stored bar
    it is a harmless re-delivery (counted, not quarantined), otherwise it stays in
    quarantine, labelled as conflicting. Repeats within the source are always quarantined.
    """
    order = pl.col("reason").is_in(["duplicate_key", "ts_not_increasing"])
    stale = bad.filter(order)
    if stale.is_empty() or baseline is None:
        return bad, 0
    lo, hi = stale["ts"].min(), stale["ts"].max()
    stored = (
        store.scan(dataset, version=baseline, columns=["symbol", "ts", *_VALUES])
        .filter(pl.col("symbol").is_in(stale["symbol"].unique().to_list()))
        .filter(pl.col("ts").is_between(lo, hi))
        .join(stale.lazy().select("symbol", "ts").unique(), on=["symbol", "ts"], how="semi")
        .collect()
        .rename({c: f"_stored_{c}" for c in _VALUES})
    )
    if stored.is_empty():
        return bad, 0
    joined = stale.join(stored, on=["symbol", "ts"], how="left", maintain_order="left")
    has = pl.col("_stored_close").is_not_null()
    same = pl.all_horizontal([pl.col(c) == pl.col(f"_stored_{c}") for c in _VALUES])
    joined = joined.with_columns(
        pl.when(has & ~same)
        .then(pl.lit("duplicate_key (differs from the stored bar)"))
        .when(has)
        .then(pl.lit("unchanged"))
        .otherwise("reason")
        .alias("reason")
    )
    unchanged = joined.filter(pl.col("reason") == "unchanged").height
    kept = joined.filter(pl.col("reason") != "unchanged").select(bad.columns)
    return pl.concat([bad.filter(~order), kept]).sort("line"), unchanged


def quarantine_rows(bad: pl.DataFrame, dataset: str, source: str, sha: str) -> pl.DataFrame:
    """Rows of the ``quarantine`` dataset for the rejected rows of one chunk."""
    return bad.select(
        pl.lit(dataset).alias("dataset"),
        pl.lit(source).alias("source"),
        pl.lit(sha).alias("source_sha256"),
        pl.col("line").cast(pl.Int64),
        pl.col("reason"),
        pl.col("raw"),
        pl.col("symbol"),
        pl.col("ts"),
        pl.lit(datetime.now(UTC)).cast(pl.Datetime("ns", "UTC")).alias("ingested_at"),
    )


def rule_counts(bad: pl.DataFrame) -> pl.DataFrame:
    """Rows per broken rule (a row breaking two rules counts for both; details dropped)."""
    rules = pl.col("reason").str.split("; ").list.eval(pl.element().str.replace(r" \(.*$", ""))
    return bad.select(rules.alias("rule")).explode("rule").group_by("rule").len()
