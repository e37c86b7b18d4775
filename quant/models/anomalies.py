"""Anomaly flags on stored bars: the core Kalman detector on log closes, known events honoured.

``KNOWN_EVENTS`` is the manual override list: market-wide moves that were real (never bad
ticks), by UTC date. ``detect(frame)`` runs ``quant.core.anomaly.kalman_anomalies`` on one
symbol's bars in ts order and returns the bars with flag, confidence and the explanation
(z, innovation, expected band, converted back to price units).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import polars as pl

from quant.core.anomaly import kalman_anomalies
from quant.errors import QuantError

#: Known market events (UTC date -> what happened): the detector never flags these bars.
KNOWN_EVENTS: dict[date, str] = {
    date(2001, 9, 17): "US markets reopen after 9/11",
    date(2008, 9, 29): "House rejects TARP; S&P 500 -8.8%",
    date(2008, 10, 13): "S&P 500 +11.6% after bank rescue plans",
    date(2008, 10, 28): "S&P 500 +10.8%",
    date(2010, 5, 6): "flash crash",
    date(2011, 8, 8): "US downgrade sell-off",
    date(2015, 8, 24): "China devaluation sell-off",
    date(2018, 2, 5): "volatility ETP blow-up",
}


class AnomalyInputError(QuantError):
    """The bars handed to the detector are unusable (several symbols, no close, <= 0)."""


def known_mask(ts: pl.Series, events: Iterable[date] = KNOWN_EVENTS) -> np.ndarray:
    """bool per bar: True where the bar's UTC date is a known event."""
    days = set(events)
    return np.array([d in days for d in ts.dt.date().to_list()], dtype=np.bool_)


def detect(
    bars: pl.DataFrame, events: Iterable[date] = KNOWN_EVENTS, **params: float
) -> pl.DataFrame:
    """One symbol's bars (ts order) plus flag, confidence, z, innovation, band_lo/hi (prices)."""
    if bars["symbol"].n_unique() != 1:
        raise AnomalyInputError("anomaly detection runs on one symbol at a time")
    df = bars.sort("ts")
    close = df["close"].cast(pl.Float64).to_numpy()
    if (close <= 0).any():
        raise AnomalyInputError("closes must be > 0 (the detector works on log prices)")
    out = kalman_anomalies(np.log(close), known_mask(df["ts"], events), **params)
    return df.select("symbol", "ts", "close").with_columns(
        pl.Series("flag", out["flag"] > 0.0),
        pl.Series("confidence", out["confidence"]),
        pl.Series("z", out["z"]),
        pl.Series("innovation", out["innovation"]),
        pl.Series("band_lo", np.exp(out["band_lo"])),
        pl.Series("band_hi", np.exp(out["band_hi"])),
    )
