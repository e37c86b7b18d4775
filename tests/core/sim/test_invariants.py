"""Invariants at every bar on a random multi-symbol market with every feature switched on."""

import numpy as np
import pytest

from quant.backtest.bars import from_arrays
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import _capacity, run_backtest
from tests.backtest.scripted import scripted
from tests.core.sim.helpers import DAY


def random_market(seed: int, n: int = 400, k: int = 3):
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, (n, k)), axis=0))
    opens = close * np.exp(rng.normal(0, 0.01, (n, k)))
    high = np.maximum(opens, close) * (1 + rng.uniform(0, 0.02, (n, k)))
    low = np.minimum(opens, close) * (1 - rng.uniform(0, 0.02, (n, k)))
    volume = rng.uniform(500, 5000, (n, k))
    gaps = rng.random((n, k)) < 0.05  # symbols without a bar at some timestamps
    for a in (close, opens, high, low, volume):
        a[gaps] = np.nan
    targets = rng.choice([np.nan, np.nan, np.nan, 1.0, -1.0, 0.0, 0.5], size=(n, k))
    bars = from_arrays(np.arange(n) * DAY, close, opens, high, low, volume, ("A", "B", "C"))
    return bars, [targets[:, j][~gaps[:, j]] for j in range(k)]


FULL = {
    "cash": 1e6,
    "fees": {"pct": 0.0005, "fixed": 1.0, "minimum": 2.0},
    "slippage": {"model": "sqrt", "param": 0.8},
    "slippage_per_symbol": {
        "B": {"model": "linear", "param": 0.3},
        "C": {"model": "constant", "param": 5},
    },
    "participation": 0.05,
    "entry_order": "limit",
    "entry_offset": 0.002,
    "stop_loss": 0.03,
    "take_profit": 0.05,
    "allow_short": True,
    "sizing": {"rule": "risk", "value": 0.01, "shrink_for_slippage": True},
    "risk": {"max_position": 0.3, "max_exposure": 0.8},
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cash_plus_positions_equals_equity_and_fills_stay_inside_their_bar(seed):
    bars, targets = random_market(seed)
    r = run_backtest(scripted(*targets), bars, None, BacktestConfig(**FULL))
    n, k = bars.shape
    assert len(r.fills) > 50
    assert len(r.orders) > _capacity(n, k)  # the records grew while the loop paused
    f = r.fills
    # every fill's reference price (before slippage) within its bar; costs never negative
    ref = f["price"] - f["side"] * f["slippage"] / f["qty"]
    assert np.all(ref <= bars.high[f["bar"], f["symbol"]] * (1 + 1e-12))
    assert np.all(ref >= bars.low[f["bar"], f["symbol"]] * (1 - 1e-12))
    assert np.all(f["slippage"] >= 0) and np.all(f["fee"] >= 2.0)
    # rebuild cash and positions from the fills alone and mark them at the last close
    cash, pos, last = 1e6, np.zeros(k), np.full(k, np.nan)
    by_bar = np.searchsorted(f["bar"], np.arange(n + 1))
    for t in range(n):
        for x in f[by_bar[t] : by_bar[t + 1]]:
            cash -= x["side"] * x["qty"] * x["price"] + x["fee"]
            pos[x["symbol"]] += x["side"] * x["qty"]
        ok = ~np.isnan(bars.close[t])
        last[ok] = bars.close[t, ok]
        value = np.nansum(pos * last)
        assert r.equity[t] == pytest.approx(cash + value, rel=1e-9, abs=1e-6)
        gross = np.nansum(np.abs(pos * last))
        assert r.exposure[t] == pytest.approx(gross / r.equity[t], rel=1e-9, abs=1e-12)
    assert np.nanmax(r.exposure) <= 0.8 * 1.2  # entries capped; prices move after entry


@pytest.mark.parametrize("seed", [4, 5])
def test_costs_never_improve_a_fill_or_the_result(seed):
    bars, targets = random_market(seed)
    plain = {"cash": 1e6, "sizing": {"rule": "fixed", "value": 10}, "allow_short": True,
             "fees": {"pct": 0.0}, "slippage": {"model": "none"}}  # fmt: skip
    costly = plain | {
        "fees": {"pct": 0.001, "fixed": 1.0},
        "slippage": {"model": "constant", "param": 20},
    }
    a = run_backtest(scripted(*targets), bars, None, BacktestConfig(**plain))
    b = run_backtest(scripted(*targets), bars, None, BacktestConfig(**costly))
    assert len(a.fills) == len(b.fills)
    side = a.fills["side"]
    assert np.all(side * (b.fills["price"] - a.fills["price"]) >= 0)
    assert np.all(b.fills["fee"] > 0)
    assert b.equity[-1] < a.equity[-1]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_opt_in_clamp_keeps_fills_in_their_bar_and_counts_what_it_dropped(seed):
    bars, targets = random_market(seed)
    full = run_backtest(scripted(*targets), bars, None, BacktestConfig(**FULL))
    cfg = BacktestConfig(**FULL | {"clamp_slippage_to_bar": True})
    clamped = run_backtest(scripted(*targets), bars, None, cfg)
    f = clamped.fills
    assert np.all(f["price"] <= bars.high[f["bar"], f["symbol"]] + 1e-9)
    assert np.all(f["price"] >= bars.low[f["bar"], f["symbol"]] - 1e-9)
    # by default some slipped fills lie outside their bar; the clamp counts exactly those
    g = full.fills
    outside = (g["price"] > bars.high[g["bar"], g["symbol"]]) | (
        g["price"] < bars.low[g["bar"], g["symbol"]]
    )
    assert full.n_clamped_fills == 0 and full.metrics.n_clamped_fills == 0
    assert outside.sum() > 0 and clamped.n_clamped_fills > 0
    assert clamped.metrics.n_clamped_fills == clamped.n_clamped_fills
    assert clamped.metrics.slippage < full.metrics.slippage
    assert clamped.report["slippage_clamp"].startswith("on")
    assert full.report["slippage_clamp"].startswith("off")


def test_same_inputs_give_identical_records():
    bars, targets = random_market(7)
    runs = [run_backtest(scripted(*targets), bars, None, BacktestConfig(**FULL)) for _ in range(2)]
    for name in ("orders", "fills", "trades", "equity", "exposure", "targets", "halt"):
        x, y = getattr(runs[0], name), getattr(runs[1], name)
        assert x.tobytes() == y.tobytes(), name
