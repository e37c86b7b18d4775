from datetime import UTC, datetime

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
