"""Decimal conversion at the order boundary, rounding down to tick and lot, market hours."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from quant.risk.instruments import MarketHours, round_down, to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.1, "0.1"), (101.25, "101.25"), (3, "3"), ("2.50", "2.50"), (Decimal("7.1"), "7.1")],
)
def test_to_decimal_uses_the_shortest_float_repr(value, expected: str) -> None:
    assert to_decimal(value) == Decimal(expected)
    assert str(to_decimal(value)) == expected


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "abc", True, None, "Infinity"])
def test_to_decimal_refuses_non_numbers(bad) -> None:
    with pytest.raises(ValueError):
        to_decimal(bad)


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        ("101.239", "0.01", "101.23"),
        ("101.2399999", "0.05", "101.20"),
        ("7.9", "1", "7"),
        ("0.123456", "0.001", "0.123"),
        ("15", "10", "10"),
        ("0.3", "0.1", "0.3"),  # exact: no binary drift
        ("-1.25", "0.1", "-1.2"),  # toward zero
    ],
)
def test_round_down_to_step(value: str, step: str, expected: str) -> None:
    out = round_down(Decimal(value), Decimal(step))
    assert out == Decimal(expected)
    assert out.as_tuple().exponent == Decimal(step).as_tuple().exponent


def _ns(*args: int, tz=UTC) -> int:
    return int(datetime(*args, tzinfo=tz).timestamp() * 1e9)


def test_market_hours_in_the_exchange_time_zone() -> None:
    nyse = MarketHours(
        tz="America/New_York", open=time(9, 30), close=time(16), days=(0, 1, 2, 3, 4)
    )
    assert nyse.is_open(_ns(2024, 7, 1, 13, 30))  # Monday 09:30 EDT
    assert not nyse.is_open(_ns(2024, 7, 1, 13, 29))
    assert not nyse.is_open(_ns(2024, 7, 1, 20, 0))  # 16:00 EDT: closed
    assert nyse.is_open(_ns(2024, 1, 2, 14, 30))  # winter: 09:30 EST
    assert not nyse.is_open(_ns(2024, 7, 6, 15, 0))  # Saturday
    assert MarketHours().is_open(_ns(2024, 7, 6, 3, 0))  # default: always open
