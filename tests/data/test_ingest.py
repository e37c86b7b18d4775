import math
import re
from datetime import UTC, datetime

import polars as pl
import pytest

from quant.data import ingest as ing
from quant.data import ingest_budget as budget
from quant.data import samples
from quant.data.sources import SourceError
from quant.data.store import DatasetStore
from quant.errors import QuantError
from tests.data.faulty import expected, write_faulty

FIRST_LAST = {  # (first ts, first open, last ts, last close) from the shipped files
    "2006-day-001.txt": ("2006-01-02", 3578.73, "2006-12-29", 4119.94),
    "2006-min-005.txt": ("2006-01-02 09:05", 3578.73, "2006-01-30 17:30", 3677.52),
    "nvda-1999-2014.txt": ("1999-01-22", 1.75, "2014-12-31", 20.049999),
    "orcl-1995-2014.txt": ("1995-01-03", 2.179012, "2014-12-31", 44.970001),
    "yhoo-1996-2014.txt": ("1996-04-12", 1.052083, "2014-12-31", 50.509998),
    "sp500.csv.gz": ("1999-01-04", 1229.22998, "2018-12-31", 2506.850098),
    "nasdaq.csv.gz": ("1999-01-04", 2207.540039, "2018-12-31", 6635.279785),
}


MIB = 2**20


def _utc(text):
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    return DatasetStore(tmp_path / "lake", lock_timeout_s=10)


@pytest.mark.parametrize("sample", samples.SAMPLES, ids=lambda s: s.file)
def test_shipped_file_ingests_exact_rows_and_first_last_bars(store, sample):
    dataset = f"bars_{sample.timeframe}"
    [report] = ing.ingest(store, sample.path, dataset, symbol=sample.symbol, chunk_rows=1500)
    df = store.read(dataset).sort("ts")
    first_ts, first_open, last_ts, last_close = FIRST_LAST[sample.file]
    assert report.rows_written == df.height == sample.rows
    assert report.rows_quarantined == 0 and not store.exists("quarantine")
    assert (df["ts"][0], df["open"][0]) == (_utc(first_ts), first_open)
    assert (df["ts"][-1], df["close"][-1]) == (_utc(last_ts), last_close)
    assert df["symbol"].unique().to_list() == [sample.symbol]
    assert df["timeframe"].unique().to_list() == [sample.timeframe]
    assert "UTC" in store.version_info(dataset).extra["ingest.timezone"]
    assert (sample.format == "yahoo" or sample.format == "arch") == (
        df["adj_close"].null_count() == 0
    )


@pytest.mark.parametrize("chunk_rows", [1, 3, 1000])
def test_faulty_file_good_rows_land_and_every_bad_row_is_quarantined(store, tmp_path, chunk_rows):
    path = write_faulty(tmp_path / "faulty.csv")
    good_lines, bad = expected()
    [report] = ing.ingest(store, path, "bars_1d", symbol="FLT", chunk_rows=chunk_rows)
    bars = store.read("bars_1d").sort("ts")
    quarantine = store.read("quarantine").sort("line")
    assert report.rows_written == bars.height == len(good_lines)
    assert report.rows_quarantined == quarantine.height == len(bad)
    assert report.blank_lines == 1
    assert quarantine["line"].to_list() == sorted(bad)
    for line, reason, src in quarantine.select("line", "reason", "source").iter_rows():
        assert bad[line] in reason, (line, reason)
        assert src == str(path.resolve())
    assert bars["ts"].is_sorted() and bars["ts"].n_unique() == bars.height
    assert report.reasons["wrong_column_count"] == 3


def test_rerunning_a_completed_ingest_is_a_noop(store, tmp_path):
    path = write_faulty(tmp_path / "faulty.csv")
    ing.ingest(store, path, "bars_1d", symbol="FLT", chunk_rows=4)
    versions = (len(store.versions("bars_1d")), len(store.versions("quarantine")))
    [again] = ing.ingest(store, path, "bars_1d", symbol="FLT", chunk_rows=7)
    assert again.already_complete and again.rows_written == again.rows_quarantined == 0
    assert (len(store.versions("bars_1d")), len(store.versions("quarantine"))) == versions


def test_crash_between_quarantine_and_bars_commit_resumes_without_loss_or_duplicates(
    store, tmp_path, monkeypatch
):
    path = write_faulty(tmp_path / "faulty.csv")
    reference = DatasetStore(tmp_path / "ref", lock_timeout_s=10)
    ing.ingest(reference, path, "bars_1d", symbol="FLT", chunk_rows=3)
    real_append = store.append
    calls = {"n": 0}

    def crashing_append(name, data, **kw):
        if name == "bars_1d":
            calls["n"] += 1
            if calls["n"] == 2:  # the quarantine rows of this chunk are already committed
                raise KeyboardInterrupt
        return real_append(name, data, **kw)

    monkeypatch.setattr(store, "append", crashing_append)
    with pytest.raises(KeyboardInterrupt):
        ing.ingest(store, path, "bars_1d", symbol="FLT", chunk_rows=3)
    monkeypatch.setattr(store, "append", real_append)
    [resumed] = ing.ingest(store, path, "bars_1d", symbol="FLT", chunk_rows=5)
    assert resumed.resumed_after_line > 0
    for name, key in (("bars_1d", ["ts"]), ("quarantine", ["line"])):
        got = store.read(name).drop("ingested_at", strict=False).sort(key)
        want = reference.read(name).drop("ingested_at", strict=False).sort(key)
        assert got.equals(want), name


def test_an_extended_file_adds_only_new_bars_and_quarantines_conflicting_ones(store, tmp_path):
    sample = samples.SAMPLES[0]
    ing.ingest(store, sample.path, "bars_1d", symbol=sample.symbol)
    lines = sample.path.read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b",0,0", b",7,0")  # a stored bar re-delivered with a new volume
    copy = tmp_path / "copy.txt"
    copy.write_bytes(b"".join(lines) + b"2006-12-30,4120,4130,4110,4125,0,0\n")
    [report] = ing.ingest(store, copy, "bars_1d", symbol=sample.symbol)
    assert report.rows_written == 1
    assert report.rows_unchanged == sample.rows - 1
    assert report.reasons == {"duplicate_key": 1}
    assert store.read("quarantine")["line"].to_list() == [6]
    assert store.read("bars_1d").height == sample.rows + 1


def test_unreadable_file_in_a_glob_stops_before_anything_is_written(store, tmp_path):
    (tmp_path / "a.csv").write_bytes(samples.SAMPLES[0].path.read_bytes())
    (tmp_path / "b.csv").write_text("not,a,bar,file\n1,2,3,4\n")
    with pytest.raises(SourceError, match=r"b\.csv"):
        ing.ingest(store, str(tmp_path / "*.csv"), "bars_1d", symbol="X")
    assert not store.exists("bars_1d") and not store.exists("quarantine")


def test_invalid_dataset_name_is_refused_before_reading(store):
    with pytest.raises(QuantError, match="invalid dataset name"):
        ing.ingest(store, samples.SAMPLES[0].path, "Bars;drop", symbol="X")
    assert store.list() == []


def test_no_matching_files_and_tiny_budget_are_clear_errors(store, tmp_path):
    with pytest.raises(ing.IngestError, match="no files match"):
        ing.ingest(store, str(tmp_path / "*.csv"), "bars_1d")
    with pytest.raises(ing.IngestError, match="too small"):
        ing.chunk_rows_for_budget(10)


def test_chunk_size_is_what_the_budget_leaves_above_the_measured_startup_need():
    rss, peak = 300 * MIB, 340 * MIB
    rows = ing.chunk_rows_for_budget(500, rss_bytes=rss, peak_bytes=peak)
    assert rows == (200 * MIB - budget.HEADROOM) // ing.BYTES_PER_ROW
    with pytest.raises(ing.IngestError, match=r"allow at least (\d+) MiB") as err:
        ing.chunk_rows_for_budget(341, rss_bytes=rss, peak_bytes=peak)
    minimum = int(re.search(r"allow at least (\d+) MiB", str(err.value)).group(1))
    need = budget.startup_need(rss, peak)
    assert minimum == math.ceil((need + budget.START_VARIANCE) / MIB) > 340
    assert ing.chunk_rows_for_budget(minimum, rss_bytes=rss, peak_bytes=peak) >= ing.MIN_CHUNK_ROWS


def test_ingesting_into_the_quarantine_dataset_is_refused(store):
    with pytest.raises(ing.IngestError, match="quarantine"):
        ing.ingest(store, samples.SAMPLES[0].path, "quarantine", symbol="X")
    assert store.list() == []


def test_parquet_source_ingests_with_row_numbers_as_locations(store, tmp_path):
    sample = samples.SAMPLES[2]
    src = DatasetStore(tmp_path / "src", lock_timeout_s=10)
    ing.ingest(src, sample.path, "bars_1d", symbol=sample.symbol)
    pq = tmp_path / "nvda.parquet"
    frame = src.read("bars_1d").sort("ts")
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 9).then(-1.0).otherwise("open").alias("open")
    )
    frame.write_parquet(pq)
    [report] = ing.ingest(store, pq, "bars_1d", chunk_rows=1000)
    assert report.format == "parquet"
    assert report.rows_written == sample.rows - 1
    q = store.read("quarantine")
    assert q["line"].to_list() == [10] and "non_positive_price" in q["reason"][0]
