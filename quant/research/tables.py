"""Rich display of research results in Jupyter: titled HTML tables built from polars frames."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import polars as pl


def frame_html(df: pl.DataFrame, title: str = "") -> str:
    """A polars frame as an HTML table under an optional bold title."""
    head = f"<p><b>{html.escape(title)}</b></p>" if title else ""
    with pl.Config(tbl_rows=50, tbl_cols=40, fmt_str_lengths=80, float_precision=4):
        return head + df._repr_html_()


def mapping_frame(values: Mapping[str, Any]) -> pl.DataFrame:
    """A dict as a two-column (field, value) frame, values as text."""
    return pl.DataFrame(
        {"field": list(values), "value": [_text(v) for v in values.values()]},
        schema={"field": pl.String, "value": pl.String},
    )


def _text(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.6g}"
    return str(v)


def one_row(values: Mapping[str, Any]) -> pl.DataFrame:
    """A dict as a one-row frame (None kept as null, floats as Float64)."""
    return pl.DataFrame([dict(values)], infer_schema_length=None)
