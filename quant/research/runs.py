"""``materializations(asset)``: what Dagster recorded for an asset, read from its run storage.

The one place ``quant`` touches Dagster, on purpose and lazily: ``dagster`` is imported
inside the function (never at module import), through its public ``DagsterInstance`` API on
``DAGSTER_HOME`` (the instance ``make demo`` and ``make ui`` use). Reading Dagster's SQLite
tables directly would tie us to its private schema; the rest of ``quant`` never imports
dagster, and ``quant.research`` imports without it.
"""

from __future__ import annotations

from typing import Any

import polars as pl


def _value(v: Any) -> Any:
    """A metadata value as plain text or number (tables and markdown as their text)."""
    inner = getattr(v, "value", v)
    if isinstance(inner, int | float | str | bool) or inner is None:
        return inner
    return str(inner)


def materializations(asset: str, limit: int = 20, instance: Any = None) -> pl.DataFrame:
    """The asset's latest materialisations, newest first: run id, time, partition and the
    scalar metadata (``asset`` as ``name`` or ``prefix/name``)."""
    import dagster as dg

    inst = instance or dg.DagsterInstance.get()
    key = dg.AssetKey(asset.split("/"))
    records = inst.fetch_materializations(key, limit=limit).records
    rows = []
    for rec in records:
        mat = rec.asset_materialization
        meta = {k: _value(v) for k, v in (mat.metadata or {}).items()}
        keep = {k: v for k, v in meta.items() if not isinstance(v, str) or len(v) < 200}
        rows.append(
            {"run_id": rec.run_id, "timestamp": rec.timestamp, "partition": mat.partition, **keep}
        )
    df = pl.DataFrame(rows, infer_schema_length=None)
    if "timestamp" in df.columns:
        ts = (pl.col("timestamp") * 1e6).cast(pl.Int64)
        df = df.with_columns(pl.from_epoch(ts, "us").dt.replace_time_zone("UTC"))
    return df
