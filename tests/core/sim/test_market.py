"""Past-only sigma / mu / ADV used by costs and sizing, against a plain numpy reference."""

import numpy as np
import pytest

from quant.core.sim.market import rolling_market_stats


def test_rolling_stats_match_numpy_over_the_trailing_window_and_skip_gaps():
    rng = np.random.default_rng(1)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, 300)))
    vol = rng.uniform(100, 200, 300)
    close[[10, 11, 150]] = np.nan
    vol[[10, 11, 150]] = np.nan
    sigma, mu, adv = rolling_market_stats(close.reshape(-1, 1), vol.reshape(-1, 1), 20)
    ok = ~np.isnan(close)
    rets = np.diff(np.log(close[ok]))
    vols = vol[ok]
    idx = np.flatnonzero(ok)
    for pos in (25, 100, 250):  # position among valid bars; stats at t use bars < t
        t = idx[pos + 1]
        w = rets[max(pos - 20, 0) : pos]
        assert sigma[t, 0] == pytest.approx(np.std(w, ddof=1), rel=1e-8)
        assert mu[t, 0] == pytest.approx(np.mean(w), rel=1e-8, abs=1e-12)
        assert adv[t, 0] == pytest.approx(np.mean(vols[max(pos - 19, 0) : pos + 1]), rel=1e-12)
    assert sigma[12, 0] == sigma[11, 0] == sigma[10, 0]  # a gap carries the last value
    assert np.isnan(sigma[2, 0]) and not np.isnan(sigma[3, 0])
    assert np.isnan(adv[0, 0]) and adv[1, 0] == vol[0]
