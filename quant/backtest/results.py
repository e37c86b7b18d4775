"""Backtest results as rows of the ``backtests`` dataset (one row per strategy and symbol set).

Each row holds the strategy, its params (JSON), the cost/fill model in words, the bars
dataset version it read, every metric as a column, and the equity curve (``ts`` and
``equity`` list columns). Writes are upserts keyed by (strategy, symbols), so the latest
version of the dataset holds the latest run of each; older runs stay in earlier versions.
Lineage records the bars version read.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl

from quant.backtest.engine import BacktestResult
from quant.backtest.metrics import Metrics
from quant.data.store import DatasetStore, VersionInfo

DATASET = "backtests"
KEY = ("strategy", "symbols")


def backtest_row(result: BacktestResult, bars_dataset: str, bars_version: int) -> pl.DataFrame:
    """One-row frame describing a backtest run (see the module docstring)."""
    metrics = result.metrics.to_dict()
    row: dict[str, object] = {
        "strategy": result.strategy,
        "symbols": ",".join(result.symbols),
        "params": json.dumps(result.params, sort_keys=True),
        "bars_dataset": bars_dataset,
        "bars_version": bars_version,
        "config": result.config.model_dump_json(),
        "report": json.dumps(result.report, sort_keys=True),
        "run_at": datetime.now(UTC),
        "start": int(result.ts[0]),
        "end": int(result.ts[-1]),
    }
    for k, v in metrics.items():  # one dtype per column whatever the run: counts Int64,
        is_float = "float" in str(Metrics.model_fields[k].annotation)  # ratios Float64 (NaN)
        row[k] = (float("nan") if v is None else float(v)) if is_float else v
    df = pl.DataFrame([row])
    curve = pl.DataFrame(
        {"ts": [result.ts.tolist()], "equity": [result.equity.tolist()]},
        schema={"ts": pl.List(pl.Int64), "equity": pl.List(pl.Float64)},
    )
    out = pl.concat([df, curve], how="horizontal")
    return out.with_columns(
        pl.from_epoch("start", "ns").dt.replace_time_zone("UTC"),
        pl.from_epoch("end", "ns").dt.replace_time_zone("UTC"),
        pl.col("run_at").cast(pl.Datetime("us", "UTC")),
    )


def write_backtest(
    store: DatasetStore,
    result: BacktestResult,
    bars_dataset: str,
    bars_version: int,
    author: str | None = None,
) -> VersionInfo:
    """Upsert the run's row into ``backtests`` with lineage ``{bars_dataset: bars_version}``;
    a re-run whose row equals the stored one (``run_at`` aside) commits nothing."""
    return store.upsert(
        DATASET,
        backtest_row(result, bars_dataset, bars_version),
        key=KEY,
        skip_unchanged=True,
        volatile=("run_at",),
        message=f"backtest {result.strategy} on {','.join(result.symbols)}",
        author=author,
        lineage={bars_dataset: bars_version},
    )
