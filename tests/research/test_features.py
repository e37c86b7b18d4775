"""``qr.features`` runs the standard daily specs or the caller's own over loaded bars."""

from __future__ import annotations

import numpy as np

import quant.research as qr


def test_daily_specs_by_default_and_custom_specs_as_dicts(lake):
    bars = qr.load("bars_1d", "SPX", start="2018-01-01")
    daily = qr.features(bars)
    names = [c for s in qr.feature_specs() for c in s["outputs"]]
    assert daily.columns == ["symbol", "ts", *names]
    own = qr.features(bars, [{"kernel": "sma", "params": {"n": 3}, "outputs": ["sma_3"]}])
    close = bars.sort("ts")["close"].to_numpy()
    assert own.columns == ["symbol", "ts", "sma_3"]
    np.testing.assert_allclose(
        own["sma_3"].to_numpy()[2:], np.convolve(close, np.ones(3) / 3, "valid")
    )
