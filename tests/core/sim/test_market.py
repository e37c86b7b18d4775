"""Past-only sigma / mu / ADV used by costs and sizing, against a plain numpy reference."""

import numpy as np
import pytest

from quant.core.sim.market import TILE, market_state, market_stats_pass, rolling_market_stats


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


def test_columns_are_independent_and_without_mu_sigma_and_adv_are_unchanged():
    rng = np.random.default_rng(2)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (400, 3)), axis=0))
    vol = rng.uniform(100, 200, (400, 3))
    close[rng.random((400, 3)) < 0.05] = np.nan

    both = rolling_market_stats(close, vol, 15)
    no_mu = rolling_market_stats(close, vol, 15, False)
    one = rolling_market_stats(
        np.ascontiguousarray(close[:, 1:2]), np.ascontiguousarray(vol[:, 1:2]), 15
    )

    for a, b in ((both[0], no_mu[0]), (both[2], no_mu[2])):
        assert a.tobytes() == b.tobytes()
    assert no_mu[1].shape == (1, 3) and np.isnan(no_mu[1]).all()
    for a, b in zip(both, one, strict=True):
        assert a[:, 1].tobytes() == b[:, 0].tobytes()


@pytest.mark.parametrize("n_sym, window", [(1, 3), (5, 20), (9, 1)])
def test_batch_stats_equal_the_bar_by_bar_pass_bit_for_bit(n_sym, window):
    """The batch form (symbols on all cores, tiles of bars) equals the live driver's form
    (``market_stats_pass`` one bar at a time from a persisted state), gaps and bad closes
    included, across more bars than one tile."""
    rng = np.random.default_rng(3)
    n = TILE * 2 + 37
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, (n, n_sym)), axis=0))
    vol = rng.uniform(100, 200, (n, n_sym))
    close[rng.random((n, n_sym)) < 0.05] = np.nan
    close[rng.random((n, n_sym)) < 0.01] = -1.0  # no log return across a non-positive close
    vol[rng.random((n, n_sym)) < 0.03] = np.nan

    batch = rolling_market_stats(close, vol, window)
    state = market_state(n_sym, window)
    live = [np.empty((n, n_sym)) for _ in range(3)]
    for t in range(n):
        rows = [a[t : t + 1] for a in live]
        market_stats_pass(
            close[t : t + 1].copy(), vol[t : t + 1].copy(), window, True, state, *rows
        )

    for a, b in zip(batch, live, strict=True):
        assert a.tobytes() == b.tobytes()
