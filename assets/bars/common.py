"""What the bar assets share: run an ingest with progress in the Dagster log, and its result."""

from pathlib import Path

import dagster as dg
import polars as pl

from assets.store import store_result
from quant.data import ingest
from quant.data.store import DatasetStore


def ingest_result(
    context: dg.AssetExecutionContext, store: DatasetStore, path: Path, dataset: str, symbol: str
) -> dg.MaterializeResult:
    """Ingest ``path`` into ``dataset`` for ``symbol``, logging progress; a store_result."""

    def progress(p: ingest.Progress) -> None:
        context.log.info(
            f"{Path(p.source).name}: chunk {p.chunk} through line {p.last_line}: "
            f"{p.rows_written} rows written, {p.rows_quarantined} quarantined"
        )

    [report] = ingest.ingest(store, path, dataset, symbol=symbol, progress=progress)
    context.log.info(
        f"{path.name}: {report.rows_written} written, {report.rows_quarantined} quarantined, "
        f"{report.rows_unchanged} unchanged"
        + (" (already complete: nothing to do)" if report.already_complete else "")
    )
    span = (
        store.scan(dataset, filters=[("symbol", "=", symbol)])
        .select(pl.len().alias("n"), pl.col("ts").min().alias("lo"), pl.col("ts").max().alias("hi"))
        .collect()
        .row(0, named=True)
    )
    return store_result(
        store.version_info(dataset),
        lake=store,
        row_count=span["n"],  # this symbol's bars (the partition), not the whole table
        symbol=symbol,
        symbol_rows=span["n"],
        first_ts=str(span["lo"]),
        last_ts=str(span["hi"]),
        rows_written=report.rows_written,
        rows_quarantined=report.rows_quarantined,
        rows_unchanged=report.rows_unchanged,
        already_complete=report.already_complete,
        source=dg.MetadataValue.path(str(path)),
        source_sha256=report.sha256,
    )
