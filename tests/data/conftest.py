"""Fixtures for data tests: generated bar files shared by the whole session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data.generate import write_bars_csv

BIG_ROWS = 3_500_000  # ~200 MB of canonical CSV


@pytest.fixture(scope="session")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~200 MB generated CSV, written once per test session."""
    return write_bars_csv(tmp_path_factory.mktemp("big") / "big.csv", BIG_ROWS)


@pytest.fixture(scope="session")
def medium_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~23 MB generated CSV with an unparseable close every 997th row."""
    return write_bars_csv(tmp_path_factory.mktemp("medium") / "medium.csv", 400_000, bad_every=997)
