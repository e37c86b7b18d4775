"""The inbox feed: bar files dropped into a folder are ingested, then their bars are new.

Each poll ingests every file waiting in ``inbox`` through the normal ingest
(``quant.data.ingest.ingest``: validation, quarantine of bad rows, resumable, and a file
already ingested is a no-op by its sha256), moves it to ``inbox/processed/`` (unreadable
files to ``inbox/failed/``), then returns the stored bars newer than the cursor. Files are
canonical CSV (``symbol,ts,open,high,low,close,volume``) or Parquet; a writer should create
the file under a hidden or ``.part`` name and rename it when complete.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from quant.data.ingest import IngestReport, ingest
from quant.data.sources.formats import SourceError
from quant.live.feeds.base import Poll, read_bars, to_bars
from quant.log import get_logger

log = get_logger("quant.live.feeds.inbox")
PARTIAL = (".part", ".tmp")


class InboxFeed:
    """Bars of ``symbols`` arriving as files in ``inbox``, ingested into ``dataset``."""

    def __init__(
        self,
        store: Any,
        inbox: str | Path,
        dataset: str,
        symbols: Sequence[str],
        timeframe: str | None = None,
    ) -> None:
        self.store, self.dataset, self.symbols = store, dataset, tuple(sorted(set(symbols)))
        self.inbox, self.timeframe = Path(inbox), timeframe
        self.reports: list[IngestReport] = []  # the last poll's ingests

    def waiting(self) -> list[Path]:
        """Complete files waiting in the inbox, oldest name first."""
        if not self.inbox.is_dir():
            return []
        return sorted(
            p
            for p in self.inbox.iterdir()
            if p.is_file() and not p.name.startswith(".") and not p.name.endswith(PARTIAL)
        )

    def _move(self, path: Path, folder: str) -> Path:
        dest_dir = self.inbox / folder
        dest_dir.mkdir(exist_ok=True)
        dest = dest_dir / path.name
        if dest.exists():
            dest = dest_dir / f"{time.time_ns()}-{path.name}"
        return Path(shutil.move(str(path), dest))

    def ingest_waiting(self) -> list[IngestReport]:
        """Ingest and move every waiting file; the reports of the files ingested."""
        reports = []
        for path in self.waiting():
            try:
                reports += ingest(self.store, path, self.dataset, timeframe=self.timeframe)
            except SourceError as err:
                log.error("inbox file unreadable", file=str(path), error=str(err))
                self._move(path, "failed")
                continue
            self._move(path, "processed")
            r = reports[-1]
            log.info("inbox file ingested", file=path.name, rows=r.rows_written,
                     quarantined=r.rows_quarantined)  # fmt: skip
        return reports

    def poll(self, since_ns: int | None) -> Poll:
        """Ingest the waiting files, then the stored bars newer than ``since_ns``."""
        self.reports = self.ingest_waiting()
        if not self.store.exists(self.dataset):
            return Poll()
        version = self.store.resolve(self.dataset)
        df = read_bars(self.store, self.dataset, self.symbols, version, since_ns)
        return Poll(to_bars(df), version)
