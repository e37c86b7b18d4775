"""Catalogue of the real market data shipped in ``data/samples`` (origin, format, size)."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "data" / "samples"


@dataclass(frozen=True)
class Sample:
    """One shipped file: where it came from, how it is laid out, how many bars it holds."""

    file: str
    symbol: str
    timeframe: str  # "1d" or "5m"
    format: str  # "backtrader", "backtrader_intraday", "yahoo", "arch"
    rows: int  # data rows, header excluded
    origin: str

    @property
    def path(self) -> Path:
        """Absolute path of the shipped file."""
        return SAMPLES_DIR / self.file


SAMPLES: tuple[Sample, ...] = (
    Sample(
        "2006-day-001.txt",
        "IDX2006",
        "1d",
        "backtrader",
        255,
        "backtrader datas/: daily index bars for 2006",
    ),
    Sample(
        "2006-min-005.txt",
        "IDX2006",
        "5m",
        "backtrader_intraday",
        2142,
        "backtrader datas/: 5-minute index bars, January 2006",
    ),
    Sample(
        "nvda-1999-2014.txt",
        "NVDA",
        "1d",
        "yahoo",
        4012,
        "backtrader datas/: Yahoo daily bars with Adj Close",
    ),
    Sample(
        "orcl-1995-2014.txt",
        "ORCL",
        "1d",
        "yahoo",
        5036,
        "backtrader datas/: Yahoo daily bars with Adj Close",
    ),
    Sample(
        "yhoo-1996-2014.txt",
        "YHOO",
        "1d",
        "yahoo",
        4713,
        "backtrader datas/: Yahoo daily bars with Adj Close",
    ),
    Sample(
        "sp500.csv.gz",
        "SPX",
        "1d",
        "arch",
        5031,
        "arch package datasets: S&P 500 index daily 1999-2018",
    ),
    Sample(
        "nasdaq.csv.gz",
        "NDX",
        "1d",
        "arch",
        5031,
        "arch package datasets: NASDAQ Composite daily 1999-2018",
    ),
)


def open_text(path: Path):
    """Open a sample as text, transparently gunzipping ``.gz`` files."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", newline="")
    return path.open("r", newline="")


def describe(sample: Sample) -> dict[str, Any]:
    """Catalogue entry plus what is on disk now: present, data rows, sha256 of the bytes."""
    out = asdict(sample)
    out["path"] = str(sample.path)
    out["present"] = sample.path.is_file()
    if out["present"]:
        out["sha256"] = hashlib.sha256(sample.path.read_bytes()).hexdigest()
        with open_text(sample.path) as fh:
            out["rows_on_disk"] = sum(1 for _ in fh) - 1
    return out
