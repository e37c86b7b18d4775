from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from quant.data import ingest as ing
from quant.data import samples
from quant.data.ingest_timeframe import infer_timeframe, timeframe_of_spacing
from quant.data.store import DatasetStore

INTRADAY = samples.SAMPLES_DIR / "2006-min-005.txt"


@pytest.fixture
def store(tmp_path):
    return DatasetStore(tmp_path / "lake", lock_timeout_s=10)


def _frame(symbol, stamps):
    return pl.DataFrame({"symbol": [symbol] * len(stamps), "ts": stamps})


def test_5_minute_bars_into_a_plain_dataset_name_get_the_timeframe_from_their_spacing(store):
    [report] = ing.ingest(store, INTRADAY, "intraday", symbol="IDX", chunk_rows=400)
    bars = store.read("intraday")
    assert report.rows_written == bars.height > 0 and report.rows_quarantined == 0
    assert report.timeframe == "5m"
    assert bars["timeframe"].unique().to_list() == ["5m"]
    extra = store.version_info("intraday").extra
    assert extra["ingest.timeframe"] == "5m"
    assert extra["ingest.timeframe_from"] == "median spacing"


def test_an_explicit_timeframe_and_a_bars_name_win_over_the_spacing(store):
    [given] = ing.ingest(store, INTRADAY, "intraday", symbol="IDX", timeframe="10m")
    [named] = ing.ingest(store, INTRADAY, "bars_5m", symbol="IDX")
    assert store.read("intraday")["timeframe"].unique().to_list() == ["10m"]
    assert store.version_info("intraday").extra["ingest.timeframe_from"] == "option"
    assert store.version_info("bars_5m").extra["ingest.timeframe_from"] == "dataset name"
    assert (given.timeframe, named.timeframe) == ("10m", "5m")


def test_daily_spacing_with_weekends_and_overnight_gaps_is_the_median():
    t0 = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday
    days = [t0 + timedelta(days=d) for d in range(28) if (t0 + timedelta(days=d)).weekday() < 5]
    assert infer_timeframe(_frame("A", days), "f") == "1d"
    minutes = [t0 + timedelta(hours=h, minutes=5 * k) for h in (0, 24, 48) for k in range(12)]
    assert infer_timeframe(_frame("B", minutes), "f") == "5m"
    assert [timeframe_of_spacing(n * 10**9) for n in (1, 60, 3600, 7 * 86400)] == [
        "1s",
        "1m",
        "1h",
        "7d",
    ]


def test_symbols_with_different_spacings_or_a_single_bar_ask_for_a_timeframe():
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    mixed = pl.concat(
        [
            _frame("A", [t0 + timedelta(minutes=m) for m in range(5)]),
            _frame("B", [t0 + timedelta(hours=h) for h in range(5)]),
        ]
    )
    with pytest.raises(ing.IngestError, match=r"different bar spacings.*--timeframe"):
        infer_timeframe(mixed, "f")
    with pytest.raises(ing.IngestError, match=r"cannot tell the timeframe.*--timeframe"):
        infer_timeframe(_frame("A", [t0]), "f")
