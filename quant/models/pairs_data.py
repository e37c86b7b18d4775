"""Pair model datasets in the store: ``pairs_1d`` (rolling hedge ratio) and ``spread_ar``.

``pairs_1d`` holds, per pair and bar, the first leg's bars in the bar schema (``symbol`` is
the first leg; one pair per first leg) plus ``pair`` ("Y~X"), ``x_close`` (the second leg's
close on the same bar) and the model output ``hedge_alpha``, ``hedge_beta``,
``hedge_resid_sd`` (NaN in the warm-up). It is a bars dataset with extra input columns, so
``quant backtest pairs_spread --dataset pairs_1d --symbol Y`` and the optimiser read it like
any bars. Bars are the common timestamps of both legs in one pinned ``bars_1d`` version.

``spread_ar`` holds one row per first leg: the AR(1) fit of that pair's spread over its
training window (the first ``train_fraction`` of the bars with a hedge ratio).

Every write carries lineage (the version read), the store's code version, and ``extra``
{model, pair, parameters, seed, statsmodels version}. The fits are deterministic; the seed
is recorded so every model commit has the same provenance fields. Re-fitting from the same
inputs and parameters writes nothing.
"""

from __future__ import annotations

import json
from importlib.metadata import version as pkg_version

import numpy as np
import polars as pl

from quant.data.store import DatasetStore, VersionInfo
from quant.models.hedge import ModelFitError, fit_spread_ar, rolling_hedge_ratio, spread

PAIRS_DATASET = "pairs_1d"
AR_DATASET = "spread_ar"
#: Pairs fitted by the Dagster asset and the demo: (first leg, second leg).
DEFAULT_PAIRS: tuple[tuple[str, str], ...] = (("NDX", "SPX"),)
_BAR_COLS = ("open", "high", "low", "close", "volume")


def pair_name(y: str, x: str) -> str:
    """The pair's id, ``Y~X``."""
    return f"{y}~{x}"


def load_legs(
    store: DatasetStore, y: str, x: str, source: str = "bars_1d", version: int | None = None
) -> tuple[pl.DataFrame, int]:
    """Both legs' bars on their common timestamps (x's close as ``x_close``), and the version."""
    v = store.resolve(source, version=version)
    df = store.scan(source, version=v).filter(pl.col("symbol").is_in([y, x])).collect()
    legs = {s: df.filter(pl.col("symbol") == s).sort("ts") for s in (y, x)}
    for s, part in legs.items():
        if part.height == 0:
            raise ModelFitError(f"{source} v{v} has no bars for {s}")
    xs = legs[x].select("ts", pl.col("close").alias("x_close"))
    joined = legs[y].select("symbol", "ts", *_BAR_COLS).join(xs, on="ts", how="inner").sort("ts")
    return joined, v


def pair_frame(legs: pl.DataFrame, y: str, x: str, window: int) -> pl.DataFrame:
    """``legs`` with the pair id and the rolling hedge ratio columns (see the module doc)."""
    fit = rolling_hedge_ratio(legs["close"].to_numpy(), legs["x_close"].to_numpy(), window)
    return legs.with_columns(
        pl.lit("1d").alias("timeframe"),
        pl.lit(pair_name(y, x)).alias("pair"),
        pl.Series("hedge_alpha", fit.alpha),
        pl.Series("hedge_beta", fit.beta),
        pl.Series("hedge_resid_sd", fit.resid_sd),
    )


def _current(
    store: DatasetStore, name: str, symbol: str, lineage: dict, extra: dict
) -> VersionInfo | None:
    """The latest version if it holds ``symbol``'s fit from exactly these inputs, else None."""
    if not store.exists(name):
        return None
    for info in reversed(store.versions(name)):
        if info.operation != "upsert":
            return None
        if info.extra.get("symbol") == symbol:
            same = info.lineage == lineage and all(info.extra.get(k) == v for k, v in extra.items())
            return info if same else None
    return None


def _extra(model: str, y: str, x: str, seed: int, **params: object) -> dict[str, str]:
    return {
        "model": model,
        "symbol": y,
        "pair": pair_name(y, x),
        "params": json.dumps(params, sort_keys=True),
        "seed": str(seed),
        "statsmodels": pkg_version("statsmodels"),
    }


def fit_pair(
    store: DatasetStore,
    y: str,
    x: str,
    *,
    window: int = 60,
    seed: int = 0,
    source: str = "bars_1d",
    source_version: int | None = None,
) -> VersionInfo:
    """Fit the rolling hedge ratio of ``y`` on ``x`` from one bars version into ``pairs_1d``."""
    legs, v = load_legs(store, y, x, source, source_version)
    lineage = {source: v}
    extra = _extra("rolling_ols", y, x, seed, window=window)
    done = _current(store, PAIRS_DATASET, y, lineage, extra)
    if done is not None:
        return done
    frame = pair_frame(legs, y, x, window)
    if store.exists(PAIRS_DATASET):  # drop the leg's rows no longer in the bars (same key)
        old = store.scan(PAIRS_DATASET).filter(pl.col("symbol") == y).select("ts").collect()
        stale = old.join(frame.select("ts"), on="ts", how="anti").height
        if stale:
            raise ModelFitError(f"{PAIRS_DATASET}: {y} has {stale} bars not in {source} v{v}")
    return store.upsert(
        PAIRS_DATASET,
        frame,
        key=("symbol", "ts"),
        message=f"rolling OLS hedge ratio {pair_name(y, x)} window={window}",
        lineage=lineage,
        extra=extra,
    )


def read_pair(store: DatasetStore, y: str, version: int | None = None) -> tuple[pl.DataFrame, int]:
    """The pair rows of first leg ``y`` (ts order) from a ``pairs_1d`` version, and the version."""
    v = store.resolve(PAIRS_DATASET, version=version)
    df = store.scan(PAIRS_DATASET, version=v).filter(pl.col("symbol") == y).collect().sort("ts")
    if df.height == 0:
        raise ModelFitError(f"{PAIRS_DATASET} v{v} has no pair with first leg {y}")
    return df, v


def latest_hedge(store: DatasetStore, y: str, version: int | None = None) -> dict:
    """The model's latest parameters for ``y``'s pair (what a live job feeds the strategy):
    ts, pair, hedge_alpha, hedge_beta, hedge_resid_sd and the pairs_1d version."""
    df, v = read_pair(store, y, version)
    row = df.filter(pl.col("hedge_beta").is_not_nan()).tail(1)
    if row.height == 0:
        raise ModelFitError(f"{PAIRS_DATASET} v{v}: {y}'s hedge ratio is still warming up")
    cols = ("ts", "pair", "hedge_alpha", "hedge_beta", "hedge_resid_sd")
    return {**row.select(cols).row(0, named=True), "pairs_version": v}


def train_split(n: int, train_fraction: float) -> int:
    """Number of leading bars in the training window."""
    return max(1, int(n * train_fraction))


def fit_ar(
    store: DatasetStore, y: str, *, train_fraction: float = 0.7, seed: int = 0
) -> VersionInfo:
    """Fit AR(1) to ``y``'s pair spread over its training window; upsert into ``spread_ar``."""
    df, v = read_pair(store, y)
    s = spread(*(df[c].to_numpy() for c in ("close", "x_close", "hedge_alpha", "hedge_beta")))
    ok = np.flatnonzero(np.isfinite(s))
    train = s[ok[: train_split(len(ok), train_fraction)]]
    pair = df["pair"][0]
    x = pair.split("~", 1)[1]
    lineage = {PAIRS_DATASET: v}
    extra = _extra("spread_ar1", y, x, seed, train_fraction=train_fraction)
    done = _current(store, AR_DATASET, y, lineage, extra)
    if done is not None:
        return done
    fit = fit_spread_ar(train)
    row = pl.DataFrame(
        [{"symbol": y, "pair": pair, "pairs_version": v, "train_bars": len(train),
          "train_end": df["ts"][int(ok[len(train) - 1])], **fit.to_dict()}]
    )  # fmt: skip
    return store.upsert(
        AR_DATASET,
        row,
        key=("symbol",),
        message=f"AR(1) of the {pair} spread, phi={fit.phi:.4f}",
        lineage=lineage,
        extra=extra | {"coefficients": json.dumps(fit.to_dict())},
    )


def read_ar(store: DatasetStore, y: str, version: int | None = None) -> dict:
    """The stored AR(1) fit of ``y``'s pair spread as a dict."""
    df = store.read(AR_DATASET, version=version).filter(pl.col("symbol") == y)
    if df.height == 0:
        raise ModelFitError(f"{AR_DATASET} has no fit for first leg {y}")
    return df.row(0, named=True)
