"""Pre-trade validation: each stage rejects its bad order with its stage and reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from quant.risk.instruments import InstrumentRules, MarketHours
from quant.risk.validation import (
    AccountContext,
    OrderRejected,
    OrderRequest,
    ValidationConfig,
    validate_order,
)

MONDAY_NOON = int(datetime(2024, 7, 1, 16, 0, tzinfo=UTC).timestamp() * 1e9)
CFG = ValidationConfig(
    instruments={
        "AAPL": InstrumentRules(
            tick_size=Decimal("0.01"), lot_size=Decimal("1"), min_notional=Decimal("100")
        ),
        "BTC": InstrumentRules(tick_size=Decimal("0.5"), lot_size=Decimal("0.001")),
    },
    max_position=0.5,
    max_exposure=1.0,
    max_daily_loss=0.02,
    max_concentration=0.6,
    fat_finger=0.05,
    hours=MarketHours(
        tz="America/New_York", open=time(9, 30), close=time(16), days=(0, 1, 2, 3, 4)
    ),
)
ACCT = AccountContext(
    equity=100_000.0,
    day_start_equity=100_000.0,
    now_ns=MONDAY_NOON,
    last_price=200.0,
    gross_other=40_000.0,
)
GOOD = OrderRequest("k1", "sma", "AAPL", "buy", "limit", 10.7, 1, limit_price=199.999)


def _reject(req: OrderRequest = GOOD, acct: AccountContext = ACCT, cfg=CFG) -> OrderRejected:
    with pytest.raises(OrderRejected) as info:
        validate_order(req, acct, cfg)
    return info.value


def test_good_order_passes_with_decimals_rounded_down_to_tick_and_lot() -> None:
    order = validate_order(GOOD, ACCT, CFG)
    assert order.qty == Decimal("10") and order.limit_price == Decimal("199.99")
    btc = validate_order(
        OrderRequest("k2", "sma", "BTC", "sell", "stop", "0.12345", 1, stop_price="199.9"),
        replace(ACCT, position=1.0),
        CFG,
    )
    assert btc.qty == Decimal("0.123") and btc.stop_price == Decimal("199.5")


@pytest.mark.parametrize(
    ("req", "reason"),
    [
        (replace(GOOD, side="long"), "side must be one of"),
        (replace(GOOD, order_type="iceberg"), "order type must be one of"),
        (replace(GOOD, qty=-1), "quantity must be positive"),
        (replace(GOOD, qty=float("nan")), "not a finite number"),
        (replace(GOOD, qty="ten"), "is not a number"),
        (replace(GOOD, limit_price=None), "limit price is required"),
        (replace(GOOD, order_type="market"), "only for them"),
        (replace(GOOD, limit_price=-5), "limit price must be positive"),
        (replace(GOOD, symbol=""), "are required"),
    ],
)
def test_syntax_stage(req: OrderRequest, reason: str) -> None:
    rej = _reject(req)
    assert rej.stage == "syntax" and reason in rej.reason


@pytest.mark.parametrize(
    ("req", "reason"),
    [
        (replace(GOOD, symbol="TSLA"), "no instrument rules for symbol 'TSLA'"),
        (replace(GOOD, qty=0.9), "below the lot size 1"),
        (replace(GOOD, qty=0.0004, symbol="BTC", limit_price=200), "below the lot size 0.001"),
        (replace(GOOD, qty=1, limit_price=99.0), "below the minimum 100"),
    ],
)
def test_instrument_stage(req: OrderRequest, reason: str) -> None:
    rej = _reject(req)
    assert rej.stage == "instrument" and reason in rej.reason


@pytest.mark.parametrize(
    ("req", "acct", "reason"),
    [
        (replace(GOOD, qty=300), ACCT, "would exceed 50% of equity"),  # 60k position
        (GOOD, replace(ACCT, gross_other=99_000.0), "gross exposure would exceed 100%"),
        (GOOD, replace(ACCT, equity=97_900.0), "daily loss limit 2% reached"),
        (replace(GOOD, qty=100), replace(ACCT, gross_other=10_000.0), "of gross exposure"),
    ],
)
def test_risk_limits_stage(req: OrderRequest, acct: AccountContext, reason: str) -> None:
    rej = _reject(req, acct)
    assert rej.stage == "risk_limits" and reason in rej.reason


def test_reducing_order_passes_risk_limits_even_after_the_daily_loss() -> None:
    acct = replace(ACCT, equity=97_900.0, position=50.0)
    order = validate_order(replace(GOOD, side="sell", limit_price=200.5), acct, CFG)
    assert order.side == "sell" and order.qty == Decimal(10)


@pytest.mark.parametrize(
    ("req", "acct", "reason"),
    [
        (replace(GOOD, limit_price=230.0), ACCT, "limit price 230.00 is 15.0% from the last"),
        (replace(GOOD, order_type="stop", limit_price=None, stop_price=150), ACCT, "stop price"),
        (
            replace(GOOD, symbol="BTC", order_type="stop", limit_price=None, stop_price=200),
            replace(ACCT, last_price=None),
            "no last price for BTC",
        ),
    ],
)
def test_price_sanity_stage(req: OrderRequest, acct: AccountContext, reason: str) -> None:
    rej = _reject(req, acct)
    assert rej.stage == "price_sanity" and reason in rej.reason


def test_market_hours_stage() -> None:
    saturday = int(datetime(2024, 7, 6, 16, 0, tzinfo=UTC).timestamp() * 1e9)
    rej = _reject(acct=replace(ACCT, now_ns=saturday))
    assert rej.stage == "market_hours" and "market closed for AAPL" in rej.reason


def test_growing_market_order_without_any_price_is_refused_by_risk_limits() -> None:
    req = replace(GOOD, symbol="BTC", order_type="market", limit_price=None)
    rej = _reject(req, replace(ACCT, last_price=None))
    assert rej.stage == "risk_limits" and "no price to value the BTC order" in rej.reason


def test_stages_run_in_the_documented_order() -> None:
    # bad on every stage at once: the first stage (syntax) is the one reported
    worst = replace(GOOD, side="x", symbol="TSLA", qty=10_000, limit_price=999)
    assert _reject(worst, replace(ACCT, last_price=None)).stage == "syntax"
    assert _reject(replace(worst, side="buy")).stage == "instrument"
    assert _reject(replace(worst, side="buy", symbol="AAPL")).stage == "risk_limits"


def test_concentration_needs_other_positions_to_compare_against() -> None:
    alone = replace(ACCT, gross_other=0.0)
    assert validate_order(GOOD, alone, CFG).qty == Decimal(10)  # 100 % of a one-name book
