"""A lake with the shipped S&P 500 daily bars, built once per module; each test makes it the
active research lake (and forgets it afterwards)."""

from __future__ import annotations

from pathlib import Path

import pytest

from quant.research import datasets


@pytest.fixture(scope="module")
def spx_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("research") / "lake"
    datasets.sample_lake(root, symbols=["SPX"])
    datasets._active = None
    return root


@pytest.fixture
def lake(spx_lake: Path):
    datasets.lake(spx_lake)
    yield spx_lake
    datasets._active = None
