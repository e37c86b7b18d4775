"""Where bars come from: chunked file sources (CSV, Parquet) and vendor adapters."""

from __future__ import annotations

from pathlib import Path

from quant.data.sources.base import Chunk, FileSource, sha256_of
from quant.data.sources.csv import CsvSource
from quant.data.sources.formats import FORMATS, SourceError
from quant.data.sources.parquet import ParquetSource

__all__ = [
    "FORMATS",
    "Chunk",
    "CsvSource",
    "FileSource",
    "ParquetSource",
    "SourceError",
    "open_source",
    "sha256_of",
]


def open_source(
    path: Path,
    *,
    symbol: str | None = None,
    timeframe: str | None = None,
    format: str | None = None,
) -> FileSource:
    """Open a file source, choosing Parquet by magic bytes/suffix and CSV otherwise."""
    path = Path(path)
    if format == "parquet" or (format is None and _is_parquet(path)):
        return ParquetSource(path, symbol=symbol, timeframe=timeframe)
    return CsvSource(path, symbol=symbol, timeframe=timeframe, format=format)


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() == ".parquet":
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False
