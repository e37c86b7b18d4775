"""What every file source yields: chunks of parsed bars with their source location."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import polars as pl

#: Columns a source chunk carries besides the bar columns.
LOCATION_COLUMNS = ("line", "raw", "parse_reason")


@dataclass(frozen=True)
class Chunk:
    """Parsed rows of one chunk of a source.

    ``frame`` holds the bar columns plus ``line`` (1-based physical line in a CSV file, the
    header being line 1; 1-based row number in a Parquet file), ``raw`` (the original text)
    and ``parse_reason`` (null when the row parsed). ``last_line`` is the last line the chunk
    covers (blank lines included), so a resume can start right after it.
    """

    frame: pl.DataFrame
    last_line: int
    blank_lines: int
    is_last: bool


class FileSource(Protocol):
    """A file of bars that can be read in chunks, resuming after a given line."""

    path: Path
    format: str

    def chunks(self, chunk_rows: int, after_line: int = 0) -> Iterator[Chunk]:
        """Yield chunks of at most ``chunk_rows`` rows, skipping lines ``<= after_line``."""
        ...

    def total_bytes(self) -> int:
        """Size of the file on disk (for progress)."""
        ...


def sha256_of(path: Path, block: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes, read in blocks (constant memory)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while data := fh.read(block):
            h.update(data)
    return h.hexdigest()
