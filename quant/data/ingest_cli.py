"""``quant data ingest``: stream bar files into a dataset (registers itself on ``data_app``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quant.cli_output import JsonOpt, emit
from quant.data.cli import data_app, open_store

_COLUMNS = [
    "source",
    "format",
    "rows_written",
    "rows_quarantined",
    "blank_lines",
    "chunks",
    "resumed_after_line",
    "already_complete",
    "version",
    "seconds",
]


@data_app.command("ingest")
def ingest_cmd(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="File or glob pattern (quote globs).")],
    dataset: Annotated[str, typer.Option("--dataset", help="Target dataset, e.g. bars_1d.")],
    symbol: Annotated[
        str | None, typer.Option("--symbol", help="Symbol for files without a symbol column.")
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="backtrader | backtrader_intraday | yahoo | arch | canonical | parquet "
            "(default: detected from the header).",
        ),
    ] = None,
    timeframe: Annotated[
        str | None,
        typer.Option(
            "--timeframe",
            help="e.g. 5m, 1d (default: from bars_<tf>, the file, or the bars' median spacing).",
        ),
    ] = None,
    chunk_rows: Annotated[
        int | None, typer.Option("--chunk-rows", min=1, help="Rows per chunk/commit.")
    ] = None,
    max_memory_mb: Annotated[
        float | None,
        typer.Option(
            "--max-memory-mb",
            min=1,
            help="Peak RSS budget of the whole process (MiB); sets the chunk size. Too small "
            "a budget is refused up front with the minimum that works.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Stream bar files into DATASET in chunks; bad rows go to the quarantine dataset."""
    from tqdm import tqdm

    from quant.data import ingest as ingest_mod

    store = open_store(ctx)
    with tqdm(unit=" rows", desc="ingest", disable=None, leave=False) as bar:

        def progress(p: ingest_mod.Progress) -> None:
            bar.set_postfix_str(f"{Path(p.source).name}:{p.last_line}")
            bar.update(p.rows)

        reports = ingest_mod.ingest(
            store,
            path,
            dataset,
            symbol=symbol,
            timeframe=timeframe,
            format=fmt,
            chunk_rows=chunk_rows,
            max_memory_mb=max_memory_mb,
            progress=progress,
        )
    rows = [r.to_dict() for r in reports]
    if as_json:
        emit(rows, True)
    else:
        for r in rows:
            r["source"] = Path(r["source"]).name
        emit(rows, False, _COLUMNS)
        for r in reports:
            if r.reasons:
                reasons = ", ".join(f"{k}: {v}" for k, v in sorted(r.reasons.items()))
                typer.echo(f"quarantined in {Path(r.source).name}: {reasons}")
