"""Drift of the stored pair models: the spread z-score (data) and the AR(1) errors (concept).

Training = the pair's bars up to the AR fit's ``train_end``; recent = the last ``window``
bars after it. The KS test discounts the spread's autocorrelation with the AR fit's phi.
A drift event is identified by the AR model version it invalidates, so a sensor requesting
a refit with ``run_key = PairDrift.key()`` fires once per drifted model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from quant.data.store import DatasetStore
from quant.models.drift import Drift, concept_drift, data_drift
from quant.models.hedge import ArFit, ar_predict, spread
from quant.models.pairs_data import AR_DATASET, read_ar, read_pair


@dataclass(frozen=True)
class PairDrift:
    """Both checks for one pair, with the versions they looked at."""

    symbol: str
    data: Drift
    concept: Drift
    pairs_version: int
    ar_version: int

    @property
    def drifted(self) -> bool:
        """Either check drifted."""
        return self.data.drifted or self.concept.drifted

    def key(self) -> str:
        """The drift event's id: the first leg and the model version it invalidates."""
        return f"{self.symbol}@{AR_DATASET}:v{self.ar_version}"


def pair_drift(
    store: DatasetStore, symbol: str, window: int = 100, method: str = "ks", ratio: float = 1.5
) -> PairDrift:
    """Data and concept drift of ``symbol``'s pair model on the latest pairs_1d version."""
    df, pv = read_pair(store, symbol)
    ar = read_ar(store, symbol)
    cols = (df[c].to_numpy() for c in ("close", "x_close", "hedge_alpha", "hedge_beta"))
    s = spread(*cols)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = s / df["hedge_resid_sd"].to_numpy()
    train = (df["ts"] <= ar["train_end"]).to_numpy()
    after = np.flatnonzero(~train)[-window:]
    fit = ArFit(ar["const"], ar["phi"], ar["sigma2"], ar["half_life"], ar["nobs"], ar["aic"])
    err = s - ar_predict(fit, s)
    return PairDrift(
        symbol,
        data_drift(z[train], z[after], method=method, rho=fit.phi),
        concept_drift(err[train], err[after], ratio=ratio),
        pv,
        store.latest_version(AR_DATASET),
    )


def drift_rows(results: list[PairDrift]) -> pl.DataFrame:
    """A table of drift results (one row per pair and check)."""
    rows = [
        {"symbol": r.symbol, **d.to_dict(), "pairs_version": r.pairs_version,
         "ar_version": r.ar_version}
        for r in results for d in (r.data, r.concept)
    ]  # fmt: skip
    return pl.DataFrame(rows)
