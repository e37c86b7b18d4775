import random
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from quant.data import bars


def _bars(rows):
    return pl.DataFrame(
        rows, schema=["symbol", "ts", "open", "high", "low", "close", "volume"], orient="row"
    ).with_columns(pl.col("ts").cast(bars.TS_DTYPE), pl.lit(None, pl.Float64).alias("adj_close"))


def _t(day):
    return datetime(2020, 1, day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (("A", _t(1), 10.0, 11.0, 9.0, 10.0, 1.0), None),
        (("A", _t(1), float("nan"), 11.0, 9.0, 10.0, 1.0), "non_finite_price"),
        (("A", _t(1), 10.0, float("inf"), 9.0, 10.0, 1.0), "non_finite_price"),
        (("A", _t(1), 0.0, 11.0, 9.0, 10.0, 1.0), "non_positive_price"),
        (("A", _t(1), 10.0, 9.5, 9.0, 10.0, 1.0), "high_below_open_or_close"),
        (("A", _t(1), 10.0, 11.0, 10.5, 10.6, 1.0), "low_above_open_or_close"),
        (("A", _t(1), 10.0, 8.0, 9.0, 8.5, 1.0), "high_below_low"),
        (("A", _t(1), 10.0, 11.0, 9.0, 10.0, -1.0), "invalid_volume"),
        (("A", _t(1), 10.0, 11.0, 9.0, 10.0, float("nan")), "invalid_volume"),
    ],
)
def test_value_reason_names_each_broken_rule(row, reason):
    df = _bars([row])
    got = df.select(bars.value_reason())[0, 0]
    if reason is None:
        assert got is None
    else:
        assert reason in got


_OK = ("A", _t(1), 10.0, 11.0, 9.0, 10.0, 1.0)


def _with(**values):
    row = dict(zip(["symbol", "ts", "open", "high", "low", "close", "volume"], _OK, strict=True))
    return tuple({**row, **values}.values())


@pytest.mark.parametrize(
    "symbol",
    ["AAPL", "BRK.B", "^GSPC", "ES=F", "EUR/USD", "BTC-USD", "A", "X" * bars.MAX_SYMBOL_LEN],
)
def test_plausible_symbols_pass_the_symbol_rule(symbol):
    assert _bars([_with(symbol=symbol)]).select(bars.value_reason())[0, 0] is None


@pytest.mark.parametrize(
    "symbol",
    [
        "X" * (bars.MAX_SYMBOL_LEN + 1),
        "X" * 10_000_000,
        "AAPL\n",
        " AAPL",
        "AAPL ",
        "AA;PL",
        "",
        "A\x00",
        "\u00c5BC",
    ],
    ids=[
        "33 chars",
        "10 MB",
        "trailing newline",
        "leading space",
        "trailing space",
        "semicolon",
        "empty",
        "nul byte",
        "non-ascii",
    ],
)
def test_symbol_longer_than_the_limit_or_outside_the_pattern_is_invalid(symbol):
    assert _bars([_with(symbol=symbol)]).select(bars.value_reason())[0, 0] == "invalid_symbol"


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"high": bars.MAX_PRICE, "close": bars.MAX_PRICE}, None),
        ({"high": 1e308, "close": 1e308}, "price_too_large"),
        ({"open": bars.MAX_PRICE * 1.0000001, "high": 2e9}, "price_too_large"),
        ({"volume": bars.MAX_VOLUME}, None),
        ({"volume": bars.MAX_VOLUME * 1.0000001}, "invalid_volume"),
        ({"volume": 1e308}, "invalid_volume"),
        ({"volume": float("inf")}, "invalid_volume"),
        ({"volume": -1e-9}, "invalid_volume"),
    ],
)
def test_prices_and_volume_beyond_the_declared_limits_are_rejected(values, reason):
    assert _bars([_with(**values)]).select(bars.value_reason())[0, 0] == reason


def test_adj_close_beyond_the_price_limit_is_rejected():
    df = _bars([_OK, _OK]).with_columns(
        pl.Series("adj_close", [bars.MAX_PRICE, bars.MAX_PRICE * 2])
    )
    assert df.select(bars.value_reason()).to_series().to_list() == [None, "invalid_adj_close"]


def test_audit_counts_each_limit_like_the_ingest():
    df = _bars([_OK, _with(symbol="x" * 40), _with(high=1e12, close=1e12), _with(volume=1e20)])
    counts = bars.audit(df)
    assert (counts["invalid_symbol"], counts["price_too_large"], counts["invalid_volume"]) == (
        1,
        1,
        1,
    )
    assert set(counts) == {*bars.VALUE_RULES, *bars.ORDER_RULES}


def test_the_ts_limits_are_the_nanosecond_clock_range():
    lo, hi = pl.Series([bars.TS_MIN, bars.TS_MAX]).cast(bars.TS_DTYPE).dt.year().to_list()
    assert (lo, hi) == (1677, 2262)


def test_order_check_carries_last_ts_across_chunks():
    carry = bars.empty_carry()
    first = _bars([("A", _t(1), 1, 1, 1, 1, 0), ("B", _t(5), 1, 1, 1, 1, 0)])
    second = _bars(
        [
            ("A", _t(1), 1, 1, 1, 1, 0),  # duplicate of the previous chunk's bar
            ("B", _t(3), 1, 1, 1, 1, 0),  # before B's last bar
            ("A", _t(2), 1, 1, 1, 1, 0),  # fine
            ("A", _t(2), 1, 1, 1, 1, 0),  # duplicate within the chunk
        ]
    )
    r1, carry = bars.check_order(first, carry)
    r2, carry = bars.check_order(second, carry)
    assert r1.to_list() == [None, None]
    assert r2.to_list() == ["duplicate_key", "ts_not_increasing", None, "duplicate_key"]
    assert dict(carry.iter_rows()) == {"A": _t(2), "B": _t(5)}


def test_conform_orders_and_casts_columns_and_rejects_missing_ones():
    df = _bars([("A", _t(1), 1, 2, 1, 2, 0)]).with_columns(pl.lit("1d").alias("timeframe"))
    out = bars.conform(df.select(reversed(df.columns)))
    assert tuple(out.columns) == bars.BAR_COLUMNS
    assert dict(out.schema) == bars.POLARS_SCHEMA
    with pytest.raises(bars.BarSchemaError, match="timeframe"):
        bars.conform(df.drop("timeframe"))


def _order_reference(rows, carry):
    """check_order's rules row by row in plain Python: (reasons, new carry)."""
    prev, seen, reasons, last = {}, set(), [], dict(carry)
    for sym, ts in rows:
        bounds = [b for b in (prev.get(sym), carry.get(sym)) if b is not None]
        if bounds and ts <= max(bounds):
            dup = (sym, ts) in seen or ts in bounds
            reasons.append("duplicate_key" if dup else "ts_not_increasing")
        else:
            reasons.append(None)
            last[sym] = ts
        prev[sym] = max(prev.get(sym, ts), ts)
        seen.add((sym, ts))
    return reasons, last


@pytest.mark.parametrize("seed", range(6))
def test_order_check_matches_a_row_by_row_reference_in_and_out_of_order(seed):
    rnd = random.Random(seed)
    carry, state = bars.empty_carry(), {}
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for _ in range(3):  # chunks: in order (the fast path) or with some stale bars
        disorder = rnd.random() < 0.5
        rows, clock = [], {}
        for _ in range(rnd.randint(1, 40)):
            sym = rnd.choice("ABC")
            clock[sym] = clock.get(sym, rnd.randint(0, 5) + 40 * len(state)) + rnd.randint(1, 3)
            late = rnd.randint(0, 4) if disorder and rnd.random() < 0.3 else 0
            rows.append((sym, start + timedelta(days=clock[sym] - late)))
        expected, state = _order_reference(rows, state)
        got, carry = bars.check_order(_bars([(s, t, 1, 1, 1, 1, 0) for s, t in rows]), carry)
        assert got.to_list() == expected
        assert dict(carry.iter_rows()) == state
