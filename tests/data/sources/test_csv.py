import gzip

import polars as pl
import pytest

from quant.data import samples
from quant.data.sources import CsvSource, SourceError, open_source
from tests.data.faulty import expected, write_faulty


def _read_all(src, chunk_rows=1000, after_line=0):
    chunks = list(src.chunks(chunk_rows, after_line))
    return chunks, pl.concat([c.frame for c in chunks])


@pytest.mark.parametrize("sample", samples.SAMPLES, ids=lambda s: s.file)
def test_shipped_file_is_detected_and_parses_every_row(sample):
    src = open_source(sample.path, symbol=sample.symbol, timeframe=sample.timeframe)
    chunks, df = _read_all(src, chunk_rows=999)
    assert src.format == sample.format
    assert df.height == sample.rows
    assert df["parse_reason"].null_count() == sample.rows
    assert df["line"].to_list() == list(range(2, sample.rows + 2))
    assert chunks[-1].is_last and not any(c.is_last for c in chunks[:-1])


def test_faulty_file_parse_faults_become_rows_with_reasons_and_line_numbers(tmp_path):
    src = CsvSource(write_faulty(tmp_path / "f.csv"), symbol="F")
    chunks, df = _read_all(src, chunk_rows=4)
    _, bad = expected()
    reasons = dict(
        df.filter(pl.col("parse_reason").is_not_null()).select("line", "parse_reason").iter_rows()
    )
    parse_faults = {k: v for k, v in bad.items() if v.startswith(("unparseable", "wrong", "trunc"))}
    assert set(reasons) == set(parse_faults)
    for line, fragment in parse_faults.items():
        assert fragment in reasons[line]
    assert sum(c.blank_lines for c in chunks) == 1
    assert "wrong_column_count" in reasons[max(reasons)]


@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 1000])
def test_chunks_cover_every_line_once_whatever_the_chunk_size(tmp_path, chunk_rows):
    src = CsvSource(write_faulty(tmp_path / "f.csv"), symbol="F")
    chunks, df = _read_all(src, chunk_rows)
    assert df["line"].to_list() == [i for i in range(2, 18) if i != 15]
    assert all(c.frame.height + c.blank_lines <= chunk_rows for c in chunks)


def test_resume_after_line_skips_exactly_the_committed_lines(tmp_path):
    src = CsvSource(write_faulty(tmp_path / "f.csv"), symbol="F")
    _, df = _read_all(src, chunk_rows=3, after_line=9)
    assert df["line"].to_list() == [i for i in range(10, 18) if i != 15]


def test_gzip_is_detected_by_magic_bytes_not_suffix(tmp_path):
    plain = samples.SAMPLES[0].path.read_bytes()
    gz = tmp_path / "daily.bin"
    gz.write_bytes(gzip.compress(plain))
    _, df = _read_all(CsvSource(gz, symbol="X"))
    assert df.height == samples.SAMPLES[0].rows


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "no such file"),
        (b"", "empty file"),
        (b"a,b,c\n1,2,3\n", "unrecognised header"),
        (b"\x1f\x8b\x08garbage", "cannot be read"),
    ],
)
def test_unreadable_file_is_a_source_error(tmp_path, content, match):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=match):
        CsvSource(path, symbol="X")


def test_file_without_symbol_column_needs_a_symbol(tmp_path):
    with pytest.raises(SourceError, match="symbol"):
        CsvSource(samples.SAMPLES[0].path)


def test_canonical_layout_reads_symbol_and_iso_timestamps(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        "symbol,ts,open,high,low,close,volume,timeframe\n"
        "AAA,2020-01-01T09:30:00,1,2,1,2,10,1m\nBBB,2020-01-01 09:30:00.5Z,1,2,1,2,10,1m\n"
    )
    _, df = _read_all(CsvSource(path))
    assert df["symbol"].to_list() == ["AAA", "BBB"]
    assert df["ts"].dt.microsecond().to_list() == [0, 500_000]
    assert df["parse_reason"].null_count() == 2
