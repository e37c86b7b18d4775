"""The paper broker: market/limit/stop fills by the backtest's fill model, partial fills,
expiry, modify/cancel, buying power, idempotent submits and bars, persistence."""

import math

import pytest

from quant.core.sim.fills import fill_order
from quant.live.broker.base import BrokerError, OrderRequest
from quant.live.broker.paper import PaperBroker

BAR = (100.0, 104.0, 97.0, 102.0, 1000.0)  # open, high, low, close, volume
FREE = (0.0, 0.0, 0.0, math.nan, math.nan, 0.0, 0.0, 0.0)  # no cap, no slippage, no fees


@pytest.fixture
def broker(tmp_path):
    b = PaperBroker(tmp_path / "paper.db", cash=1_000_000.0)
    yield b
    b.close()


def bar(b, ts, px=BAR, cost=FREE, sym="X"):
    return b.on_bar(ts, {sym: px}, {sym: cost}, [sym])


def test_market_limit_and_stop_orders_fill_at_the_simulators_touch_prices(broker):
    broker.submit(OrderRequest("m", "X", 1, "market", 10.0, ts=1))
    broker.submit(OrderRequest("l", "X", 1, "limit", 10.0, limit_price=98.0, ts=1))
    broker.submit(OrderRequest("s", "X", 1, "stop", 10.0, stop_price=103.0, ts=1))
    broker.submit(OrderRequest("far", "X", 1, "limit", 10.0, limit_price=90.0, ts=1))
    fills = {f.client_id: f.price for f in bar(broker, 2)}
    assert fills == {"m": 100.0, "l": 98.0, "s": 103.0}  # open, limit touched, stop touched
    assert broker.order("far").status == "accepted"
    assert broker.account().positions == {"X": 30.0}
    assert broker.account().cash == 1_000_000.0 - 100.0 * 10 - 98.0 * 10 - 103.0 * 10


def test_an_order_never_trades_on_the_bar_that_produced_it(broker):
    broker.submit(OrderRequest("m", "X", 1, "market", 10.0, ts=5))
    assert bar(broker, 5) == []
    assert len(bar(broker, 6)) == 1


def test_participation_splits_an_order_into_partial_fills_priced_by_fill_order(broker):
    cost = (0.004, 1.0, 10.0, math.nan, math.nan, 0.001, 1.0, 0.0)  # 4 units a bar, 10 bps
    broker.submit(OrderRequest("big", "X", 1, "market", 10.0, ts=0))
    got = [bar(broker, t, cost=cost) for t in (1, 2, 3)]
    assert [len(g) for g in got] == [1, 1, 1]
    assert [g[0].qty for g in got] == [4.0, 4.0, 2.0]
    want = fill_order((1.0, 10.0, 0.0, math.nan, math.nan), BAR, cost, False)
    assert (got[0][0].price, got[0][0].fee, got[0][0].slippage) == (want[1], want[2], want[3])
    assert broker.order("big").status == "filled"


def test_a_day_remainder_expires_and_a_reduce_only_order_is_cut_to_the_position(broker):
    cost = (0.004, 0.0, 0.0, math.nan, math.nan, 0.0, 0.0, 0.0)
    broker.submit(OrderRequest("d", "X", 1, "market", 10.0, tif="day", ts=0))
    bar(broker, 1, cost=cost)
    assert broker.order("d").status == "expired" and broker.order("d").filled_qty == 4.0
    broker.submit(OrderRequest("x", "X", -1, "market", 50.0, reduce_only=True, priority=0, ts=1))
    bar(broker, 2)
    assert broker.order("x").filled_qty == 4.0 and broker.order("x").status == "filled"
    assert broker.account().positions == {}
    broker.submit(OrderRequest("x2", "X", -1, "market", 5.0, reduce_only=True, ts=2))
    bar(broker, 3)
    assert broker.order("x2").status == "cancelled"  # nothing left to reduce


def test_a_buy_beyond_buying_power_is_cut_then_rejected(tmp_path):
    b = PaperBroker(tmp_path / "p.db", cash=550.0)
    b.submit(OrderRequest("a", "X", 1, "market", 10.0, ts=0))
    bar(b, 1)
    assert 0.0 < b.order("a").filled_qty < 5.5 and b.order("a").status == "cancelled"
    assert b.account().cash >= 0.0
    poor = PaperBroker(tmp_path / "poor.db", cash=0.5)
    poor.submit(OrderRequest("b", "X", 1, "market", 10.0, ts=1))
    bar(poor, 2, cost=(0.0, 0.0, 0.0, math.nan, math.nan, 0.0, 0.0, 1.0))  # min fee 1 > cash
    assert poor.order("b").status == "rejected" and poor.account().cash == 0.5


def test_submit_and_bar_processing_are_idempotent_and_survive_reopening(tmp_path):
    b = PaperBroker(tmp_path / "p.db")
    first = b.submit(OrderRequest("a", "X", 1, "market", 10.0, ts=0))
    again = b.submit(OrderRequest("a", "X", 1, "market", 99.0, ts=0))
    assert again.request.qty == first.request.qty == 10.0 and len(b.orders()) == 1
    f1 = bar(b, 1)
    b.close()
    b = PaperBroker(tmp_path / "p.db")
    assert bar(b, 1) == f1 and b.account().positions == {"X": 10.0}  # the bar is not re-traded
    b.close()


def test_modify_and_cancel_respect_the_state_machine(broker):
    broker.submit(OrderRequest("l", "X", 1, "limit", 10.0, limit_price=50.0, ts=0))
    assert broker.modify("l", qty=20.0, limit_price=98.0).request.limit_price == 98.0
    bar(broker, 1)
    assert broker.order("l").filled_qty == 20.0
    with pytest.raises(BrokerError, match="cannot modify a filled order"):
        broker.modify("l", qty=30.0)
    assert broker.cancel("l").status == "filled"  # a terminal order stays as it is
    with pytest.raises(BrokerError, match="unknown order"):
        broker.cancel("nope")


def test_malformed_orders_are_rejected_with_the_reason(broker):
    o = broker.submit(OrderRequest("bad", "X", 1, "limit", 10.0))
    assert o.status == "rejected" and "limit price" in o.reason
    assert broker.submit(OrderRequest("neg", "X", 1, "market", -1.0)).status == "rejected"
