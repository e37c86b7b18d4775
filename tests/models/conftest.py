"""A lake holding shipped daily bars (ORCL, YHOO) in ``bars_1d``, written straight to the store."""

from __future__ import annotations

from pathlib import Path

import pytest

from quant.data.store import DatasetStore
from tests.models.pair_fixture import make_pair_store


@pytest.fixture
def pair_store(tmp_path: Path) -> DatasetStore:
    """See ``make_pair_store``."""
    return make_pair_store(tmp_path / "lake")
