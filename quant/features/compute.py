"""compute_features: run a spec list over bars, per symbol, with the core batch kernels."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import polars as pl

from quant.features.kernels import KERNELS
from quant.features.specs import FeatureSpec, FeatureSpecError, validate_specs


def required_columns(specs: list[FeatureSpec]) -> list[str]:
    """Bar columns the specs read (inputs not produced by an earlier spec)."""
    produced: set[str] = set()
    needed: list[str] = []
    for spec in specs:
        for c in spec.columns:
            if c not in produced and c not in needed:
                needed.append(c)
        produced.update(spec.outputs)
    return needed


def _check_columns(specs: list[FeatureSpec], bars: pl.DataFrame) -> None:
    for c in ("symbol", "ts"):
        if c not in bars.columns:
            raise FeatureSpecError(f"bars lack the key column '{c}'")
    produced: set[str] = set()
    for spec in specs:
        for c in spec.columns:
            if c in produced:
                continue
            if c not in bars.columns:
                raise FeatureSpecError(
                    f"spec {spec.kernel} -> {list(spec.outputs)} reads column '{c}', which "
                    f"the bars lack and no earlier spec produces (bars have: {bars.columns})"
                )
            if not bars.schema[c].is_numeric():
                raise FeatureSpecError(f"input column '{c}' is {bars.schema[c]}, not numeric")
        produced.update(spec.outputs)


def _one_symbol(part: pl.DataFrame, specs: list[FeatureSpec], needed: list[str]) -> pl.DataFrame:
    arrays: dict[str, np.ndarray] = {
        c: part.get_column(c).cast(pl.Float64).fill_null(np.nan).to_numpy() for c in needed
    }
    names: list[str] = []
    for spec in specs:
        result = KERNELS[spec.kernel].func(*(arrays[c] for c in spec.columns), **spec.call_params())
        outs = result if isinstance(result, tuple) else (result,)
        for name, arr in zip(spec.outputs, outs, strict=True):
            arrays[name] = arr
            names.append(name)
    return part.select("symbol", "ts").with_columns([pl.Series(n, arrays[n]) for n in names])


def compute_features(
    bars: pl.DataFrame, specs: Iterable[FeatureSpec | Mapping[str, Any]]
) -> pl.DataFrame:
    """Features per (symbol, ts): one column per spec output, computed per symbol in ts order.

    Null or NaN inputs are missing bars (see the indicators' NaN policy). Returns
    ``symbol``, ``ts`` and the output columns, sorted by (symbol, ts).
    """
    checked = validate_specs(specs)
    _check_columns(checked, bars)
    needed = required_columns(checked)
    bars = bars.sort("symbol", "ts")
    frames = [
        _one_symbol(part, checked, needed)
        for part in bars.partition_by("symbol", maintain_order=True)
    ]
    if not frames:  # no bars: the right columns, no rows
        return _one_symbol(bars, checked, needed)
    return pl.concat(frames)
