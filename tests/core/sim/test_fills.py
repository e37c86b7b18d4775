"""The fill model: hand-computed prices, quantities, fees and slippage for every case."""

import math

import pytest

from quant.core.records import ORDER_LIMIT, ORDER_MARKET, ORDER_STOP
from quant.core.sim.fills import fee_for, fill_order, fill_order_detail, impact_fraction
from quant.core.sim.layout import SLIP_CONSTANT, SLIP_LINEAR, SLIP_NONE, SLIP_SQRT

BAR = (100.0, 110.0, 90.0, 105.0, 1000.0)  # open, high, low, close, volume
NO_COST = (0.0, SLIP_NONE, 0.0, math.nan, math.nan, 0.0, 0.0, 0.0)
NAN = math.nan


def order(side, qty=10.0, otype=ORDER_MARKET, limit=NAN, stop=NAN):
    return (float(side), qty, float(otype), limit, stop)


def test_market_order_fills_at_open_or_close_by_timing():
    assert fill_order(order(1), BAR, NO_COST, False) == (10.0, 100.0, 0.0, 0.0)
    assert fill_order(order(-1), BAR, NO_COST, True) == (10.0, 105.0, 0.0, 0.0)


@pytest.mark.parametrize(
    ("side", "limit", "price"),
    [
        (1, 101.0, 100.0),  # open below the buy limit: fills at the open
        (1, 95.0, 95.0),  # low reaches the limit: fills at the limit
        (1, 89.0, None),  # never reached
        (-1, 99.0, 100.0),  # open above the sell limit
        (-1, 108.0, 108.0),
        (-1, 111.0, None),
    ],
)
def test_limit_order_fills_at_open_or_limit_or_not_at_all(side, limit, price):
    qty, px, _, _ = fill_order(order(side, otype=ORDER_LIMIT, limit=limit), BAR, NO_COST, False)
    if price is None:
        assert qty == 0.0 and math.isnan(px)
    else:
        assert (qty, px) == (10.0, price)


@pytest.mark.parametrize(
    ("side", "stop", "price"),
    [
        (1, 99.0, 100.0),  # gapped through the buy stop: fills at the open
        (1, 104.0, 104.0),  # high reaches the stop
        (1, 111.0, None),
        (-1, 101.0, 100.0),  # gapped through the sell stop
        (-1, 92.0, 92.0),
        (-1, 89.0, None),
    ],
)
def test_stop_order_fills_at_open_on_gap_else_at_stop(side, stop, price):
    qty, px, _, _ = fill_order(order(side, otype=ORDER_STOP, stop=stop), BAR, NO_COST, False)
    if price is None:
        assert qty == 0.0
    else:
        assert (qty, px) == (10.0, price)


def test_fee_is_percent_plus_fixed_with_a_minimum():
    assert fee_for(10_000.0, 0.001, 1.0, 0.0) == pytest.approx(11.0)
    assert fee_for(100.0, 0.001, 0.0, 5.0) == 5.0
    assert fee_for(0.0, 0.001, 1.0, 5.0) == 0.0
    cost = (0.0, SLIP_NONE, 0.0, NAN, NAN, 0.001, 2.0, 0.0)
    assert fill_order(order(1), BAR, cost, False)[2] == pytest.approx(10 * 100 * 0.001 + 2.0)


def test_constant_slippage_moves_the_price_against_the_order_by_bps():
    cost = (0.0, SLIP_CONSTANT, 10.0, NAN, NAN, 0.0, 0.0, 0.0)
    _, px, _, slip = fill_order(order(1), BAR, cost, False)
    assert px == pytest.approx(100.1) and slip == pytest.approx(10 * 0.1)
    _, px, _, slip = fill_order(order(-1), BAR, cost, False)
    assert px == pytest.approx(99.9) and slip == pytest.approx(1.0)


def test_linear_slippage_is_proportional_to_participation():
    # impact = 0.5 * 100 / 1000 = 5 %
    assert impact_fraction(SLIP_LINEAR, 0.5, 100.0, 1000.0, NAN, NAN) == pytest.approx(0.05)
    cost = (0.0, SLIP_LINEAR, 0.5, NAN, NAN, 0.0, 0.0, 0.0)
    _, px, _, slip = fill_order(order(1, qty=100.0), BAR, cost, False)
    assert px == pytest.approx(105.0) and slip == pytest.approx(500.0)


def test_square_root_impact_is_sigma_times_sqrt_of_size_over_adv():
    # impact = 1.0 * 0.02 * sqrt(400 / 10000) = 0.004
    assert impact_fraction(SLIP_SQRT, 1.0, 400.0, 1.0, 0.02, 10_000.0) == pytest.approx(0.004)
    cost = (0.0, SLIP_SQRT, 1.0, 0.02, 10_000.0, 0.0, 0.0, 0.0)
    _, px, _, slip = fill_order(order(-1, qty=400.0), BAR, cost, False)
    assert px == pytest.approx(99.6) and slip == pytest.approx(400 * 0.4)


def test_slippage_applies_in_full_by_default_even_beyond_the_bar():
    cost = (0.0, SLIP_CONSTANT, 2000.0, NAN, NAN, 0.0, 0.0, 0.0)  # 20 %: beyond the range
    assert fill_order(order(1), BAR, cost, False) == (10.0, pytest.approx(120.0), 0.0,
                                                      pytest.approx(200.0))  # fmt: skip
    assert fill_order(order(-1), BAR, cost, False)[1] == pytest.approx(80.0)
    assert fill_order_detail(order(1), BAR, cost, False, False)[4] is False


def test_opt_in_clamp_keeps_the_price_in_the_bar_and_says_so():
    cost = (0.0, SLIP_CONSTANT, 2000.0, NAN, NAN, 0.0, 0.0, 0.0)
    assert fill_order(order(1), BAR, cost, False, True)[1] == 110.0
    assert fill_order_detail(order(-1), BAR, cost, False, True)[1::3] == (90.0, True)
    small = (0.0, SLIP_CONSTANT, 50.0, NAN, NAN, 0.0, 0.0, 0.0)  # 0.5 %: inside the range
    assert fill_order_detail(order(1), BAR, small, False, True)[4] is False


def test_a_limit_never_fills_beyond_its_limit_whatever_the_clamp():
    cost = (0.0, SLIP_CONSTANT, 2000.0, NAN, NAN, 0.0, 0.0, 0.0)
    lim = order(1, otype=ORDER_LIMIT, limit=95.0)
    assert fill_order(lim, BAR, cost, False)[1] == 95.0
    assert fill_order(lim, BAR, cost, False, True)[1] == 95.0


def test_participation_caps_the_fill_and_zero_volume_blocks_it():
    cost = (0.1, SLIP_NONE, 0.0, NAN, NAN, 0.0, 0.0, 0.0)
    assert fill_order(order(1, qty=500.0), BAR, cost, False)[0] == pytest.approx(100.0)
    dry = (100.0, 110.0, 90.0, 105.0, 0.0)
    assert fill_order(order(1, qty=500.0), dry, cost, False)[0] == 0.0
