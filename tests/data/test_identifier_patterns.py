"""Identifier patterns outside the store also match whole strings (no trailing newline)."""

from __future__ import annotations

import pytest

from quant.data.ingest import resolve_timeframe
from quant.data.resample import ResampleError, timeframe_ns


def test_a_timeframe_with_a_trailing_newline_is_refused():
    assert timeframe_ns("5m") == 300 * 10**9
    with pytest.raises(ResampleError, match="invalid timeframe"):
        timeframe_ns("5m\n")


def test_a_bars_dataset_name_with_a_newline_names_no_timeframe():
    assert resolve_timeframe("bars_5m", None) == ("5m", "dataset name")
    assert resolve_timeframe("bars_5m\n", None) == (None, "")
