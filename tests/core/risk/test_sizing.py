"""Position sizing rules, and slippage-aware shrinking: illiquid gets smaller than liquid."""

import math

import numpy as np
import pytest

from quant.backtest.bars import from_arrays
from quant.core.risk.sizing import (
    capped_kelly,
    fixed_fraction,
    risk_per_trade,
    shrink_for_impact,
    size_units,
    vol_target,
)
from quant.core.sim.fills import impact_fraction
from quant.core.sim.layout import (
    SIZE_FIXED,
    SIZE_FRACTION,
    SIZE_KELLY,
    SIZE_RISK,
    SIZE_VOL,
    SLIP_CONSTANT,
    SLIP_LINEAR,
    SLIP_NONE,
    SLIP_SQRT,
)
from tests.core.sim.helpers import DAY, run


def test_each_rule_gives_the_hand_computed_units():
    assert size_units(SIZE_FIXED, 7.0, 1e5, 50.0, 1.0, 0.01, 0.0, 252.0) == 7.0
    assert fixed_fraction(100_000.0, 0.5, 50.0) == 1000.0
    assert risk_per_trade(100_000.0, 0.01, 2.0) == 500.0  # lose 1 % if the 2.0 stop is hit
    # 20 % target, 1 % daily sigma -> 15.87 % annual per unit notional
    assert vol_target(1e5, 0.2, 0.01, 100.0, 252.0) == pytest.approx(
        0.2 * 1e5 / (0.01 * math.sqrt(252) * 100)
    )
    assert capped_kelly(1e5, 0.5, 0.0001, 0.01, 100.0) == pytest.approx(1.0 * 1e5 / 100 * 0.5)
    assert capped_kelly(1e5, 0.5, -0.001, 0.01, 100.0) == 0.0
    assert size_units(SIZE_FRACTION, 0.1, 1e5, 10.0, 0, 0, 0, 252) == pytest.approx(1000.0)
    assert size_units(SIZE_RISK, 0.01, 1e5, 10.0, 0.5, 0, 0, 252) == pytest.approx(2000.0)
    assert size_units(SIZE_VOL, 0.1, 1e5, 10.0, 0, math.nan, 0, 252) == 0.0  # no sigma: no trade
    assert size_units(SIZE_KELLY, 1.0, 1e5, 10.0, 0, 0.02, 0.0004, 252) == pytest.approx(1e4)


def test_slippage_aware_size_shrinks_more_in_an_illiquid_market():
    liquid = shrink_for_impact(1000.0, 2.0, 100.0, SLIP_SQRT, 1.0, 0.02, 1e7)
    illiquid = shrink_for_impact(1000.0, 2.0, 100.0, SLIP_SQRT, 1.0, 0.02, 1e4)
    assert illiquid < liquid <= 1000.0
    q = illiquid  # the shrunk size spends no more than the original risk budget
    impact = 1.0 * 0.02 * math.sqrt(q / 1e4)
    assert q * (2.0 + 100.0 * impact) == pytest.approx(1000.0 * 2.0, rel=1e-6)
    assert shrink_for_impact(1000.0, 2.0, 100.0, SLIP_NONE, 0.0, 0.02, 1e4) == 1000.0
    const = shrink_for_impact(1000.0, 2.0, 100.0, SLIP_CONSTANT, 10.0, 0.02, 1e4)
    assert const == pytest.approx(1000.0 * 2.0 / (2.0 + 0.1), rel=1e-9)


def test_engine_buys_less_of_the_illiquid_symbol_for_the_same_risk():
    n = 40
    rng = np.random.default_rng(3)
    c = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    close = np.column_stack([c, c])
    volume = np.column_stack([np.full(n, 1e7), np.full(n, 2e3)])
    bars = from_arrays(
        np.arange(n) * DAY, close, close, close * 1.01, close * 0.99, volume, ("LIQ", "ILL")
    )
    tg = np.full(n, np.nan)
    tg[30] = 1.0
    r = run(tg, bars, cash=1e6, slippage={"model": "sqrt", "param": 1.0}, stop_loss=0.05,
            sizing={"rule": "risk", "value": 0.01, "shrink_for_slippage": True})  # fmt: skip
    qty = {int(s): q for s, q in zip(r.orders["symbol"], r.orders["qty"], strict=True) if q > 0}
    assert qty[1] < 0.9 * qty[0]
    assert qty[0] == pytest.approx(0.01 * 1e6 / (0.05 * c[30]), rel=0.02)


def _cost(q, unit_risk, price, model, param, sigma, adv):
    """Risk plus expected slippage of q units (bar volume = ADV), as the sizing rule sees it."""
    return q * (unit_risk + price * impact_fraction(model, param, q, adv, sigma, adv))


def _bisection(qty, *args):
    """The solver before the closed forms: 60 halvings of [0, qty]."""
    budget = qty * args[0]
    if _cost(qty, *args) <= budget:
        return qty
    lo, hi = 0.0, qty
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _cost(mid, *args) <= budget else (lo, mid)
    return lo


@pytest.mark.parametrize("model", [SLIP_CONSTANT, SLIP_LINEAR, SLIP_SQRT])
def test_shrunk_size_is_the_largest_float_within_the_budget(model):
    rng = np.random.default_rng(int(model))
    for _ in range(300):
        qty = float(10 ** rng.uniform(-2, 7))
        unit_risk, price = float(10 ** rng.uniform(-3, 2)), float(10 ** rng.uniform(-1, 4))
        param, sigma = float(rng.uniform(0.01, 50.0)), float(rng.uniform(1e-4, 0.1))
        args = (unit_risk, price, model, param, sigma, float(10 ** rng.uniform(1, 8)))

        q = shrink_for_impact(qty, *args)

        budget = qty * unit_risk
        assert 0.0 <= q <= qty
        assert _cost(q, *args) <= budget
        up = np.nextafter(q, np.inf)
        assert q == qty or up >= qty or _cost(up, *args) > budget
        assert q >= _bisection(qty, *args)  # never below what halving found
        assert q == pytest.approx(_bisection(qty, *args), rel=1e-12, abs=1e-300)
