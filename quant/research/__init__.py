"""``quant.research``: the one import a notebook needs.

Pick a lake (``lake``, or ``sample_lake`` for a fresh one from the shipped bars), read and
version datasets (``load``, ``versions``, ``diff``, ``rollback``, ``tag``, ``snapshot``,
``lineage``), compute ``features``, ``backtest`` and ``compare`` strategies, ``optimize``,
``walk_forward`` and ``check_lookahead``, then ``models.*`` and ``live.*``. Results show as
HTML tables in Jupyter and have ``.plot()`` (plotly, see ``figures``). Everything is a thin
layer over ``quant.data``, ``quant.features``, ``quant.backtest``, ``quant.models`` and
``quant.live``: the same inputs give the same numbers as the ``quant`` CLI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from quant.research import figures, live, models
from quant.research.backtests import Backtest, Comparison, backtest, compare
from quant.research.datasets import (
    Lake,
    diff,
    lake,
    lineage,
    load,
    rollback,
    sample_lake,
    snapshot,
    snapshots,
    store,
    tag,
    tags,
    version,
    versions,
)
from quant.research.runs import materializations
from quant.research.search import Lookahead, Optimization, check_lookahead, optimize, walk_forward


def features(bars: pl.DataFrame, specs: Iterable[Any] | str = "daily") -> pl.DataFrame:
    """Feature columns per (symbol, ts) from specs (``"daily"`` = the standard daily set, or a
    list of ``FeatureSpec`` / dicts such as ``{"kernel": "sma", "params": {"n": 10},
    "outputs": ["sma_10"]}``)."""
    from quant.features import DAILY_SPECS, compute_features

    chosen: Iterable[Any] = DAILY_SPECS if specs == "daily" else specs  # type: ignore[assignment]
    return compute_features(bars, chosen)


def feature_specs() -> list[Mapping[str, Any]]:
    """The standard daily feature specs as dicts (a starting point for your own list)."""
    from quant.features import DAILY_SPECS

    return [s.model_dump() for s in DAILY_SPECS]


__all__ = [
    "Backtest",
    "Comparison",
    "Lake",
    "Lookahead",
    "Optimization",
    "backtest",
    "check_lookahead",
    "compare",
    "diff",
    "feature_specs",
    "features",
    "figures",
    "lake",
    "lineage",
    "live",
    "load",
    "materializations",
    "models",
    "optimize",
    "rollback",
    "sample_lake",
    "snapshot",
    "snapshots",
    "store",
    "tag",
    "tags",
    "version",
    "versions",
    "walk_forward",
]
