from datetime import UTC, datetime

import polars as pl
import pytest

from quant.data import ingest as ing
from quant.data import samples
from quant.data.bars import TS_DTYPE, conform
from quant.data.resample import ResampleError, resample
from quant.data.store import DatasetStore


def _five_minute_bars():
    ts = [datetime(2020, 1, 2, 9, m, tzinfo=UTC) for m in (0, 5, 55)] + [
        datetime(2020, 1, 2, 10, 0, tzinfo=UTC)
    ]
    return conform(
        pl.DataFrame(
            {
                "symbol": ["A"] * 4,
                "ts": ts,
                "open": [10.0, 11.0, 12.0, 13.0],
                "high": [11.5, 12.5, 14.0, 13.5],
                "low": [9.5, 10.5, 11.0, 12.5],
                "close": [11.0, 12.0, 13.0, 13.2],
                "volume": [1.0, 2.0, 3.0, 4.0],
                "timeframe": ["5m"] * 4,
            }
        ).with_columns(pl.col("ts").cast(TS_DTYPE))
    )


def test_hourly_buckets_are_left_closed_left_labelled_with_ohlcv_aggregation():
    out = resample(_five_minute_bars(), "1h")
    assert out["ts"].to_list() == [
        datetime(2020, 1, 2, 9, tzinfo=UTC),
        datetime(2020, 1, 2, 10, tzinfo=UTC),
    ]
    first = out.row(0, named=True)
    assert (first["open"], first["high"], first["low"], first["close"], first["volume"]) == (
        10.0,
        14.0,
        9.5,
        13.0,
        6.0,
    )
    assert out.row(1, named=True)["open"] == 13.0  # the 10:00 bar opens the 10:00 bucket
    assert out["timeframe"].unique().to_list() == ["1h"]


def test_resampling_to_a_finer_or_non_multiple_timeframe_is_refused():
    with pytest.raises(ResampleError, match="coarser"):
        resample(_five_minute_bars(), "5m")
    with pytest.raises(ResampleError, match="coarser"):
        resample(_five_minute_bars(), "7m")
    with pytest.raises(ResampleError, match="invalid timeframe"):
        resample(_five_minute_bars(), "1y")


def test_shipped_5m_bars_resampled_to_1h_then_1d_match_direct_5m_to_1d(tmp_path):
    store = DatasetStore(tmp_path / "lake", lock_timeout_s=10)
    intraday = next(s for s in samples.SAMPLES if s.timeframe == "5m")
    ing.ingest(store, intraday.path, "bars_5m", symbol=intraday.symbol)
    five = store.read("bars_5m")
    via_hour = resample(resample(five, "1h"), "1d")
    direct = resample(five, "1d")
    assert via_hour.drop("timeframe").equals(direct.drop("timeframe"))
    assert direct.height == five["ts"].dt.date().n_unique()
    assert direct["volume"].sum() == five["volume"].sum()


def test_shipped_5m_bars_resampled_to_1d_equal_the_shipped_daily_bars(tmp_path):
    store = DatasetStore(tmp_path / "lake", lock_timeout_s=10)
    for s in samples.SAMPLES:
        if s.symbol == "IDX2006":
            ing.ingest(store, s.path, f"bars_{s.timeframe}", symbol=s.symbol)
    daily = resample(store.read("bars_5m"), "1d")
    shipped = store.read("bars_1d", filters=[("ts", "<=", daily["ts"].max())]).sort("ts")
    assert daily.height == shipped.height == 21
    assert daily["ts"].equals(shipped["ts"])
    mismatched = {
        (str(daily["ts"][i].date()), c)
        for c in ("open", "high", "low", "close", "volume")
        for i in range(daily.height)
        if daily[c][i] != shipped[c][i]
    }
    # the two backtrader files disagree on one value at source: 3685.95 (5m) vs 3685.48 (1d)
    assert mismatched == {("2006-01-27", "high")}
