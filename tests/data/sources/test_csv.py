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


CANONICAL = "symbol,ts,open,high,low,close,volume,timeframe\n"
QUOTED = (  # RFC 4180: quoted numbers, a comma, doubled quotes and a newline inside quotes
    CANONICAL
    + '"AAA","2020-01-01T00:00:00","1.5",2,1,2,10,1m\n'
    + '"X,Y",2020-01-01T00:00:00,1,2,1,2,10,1m\n'
    + '"A ""B""",2020-01-01T00:00:00,1,2,1,2,10,1m\n'
    + '"two\nlines",2020-01-01T00:00:00,1,2,1,2,10,1m\n'
    + "\n"
    + "BBB,2020-01-01T00:00:00,1,2,1,2,10,1m\n"
    + '"CCC",2020-01-01T00:00:00,1,2,1,2,"x\n""y""",1m\n'
    + 'DDD,2020-01-01T00:00:00,1,2,1,2,10,"1m\n'
)


def _quoted_file(tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text(QUOTED)
    return path


def test_quoted_fields_with_commas_quotes_and_newlines_parse_as_rfc_4180(tmp_path):
    chunks, df = _read_all(CsvSource(_quoted_file(tmp_path)))
    good = df.filter(pl.col("parse_reason").is_null())
    assert good["symbol"].to_list() == ["AAA", "X,Y", 'A "B"', "two\nlines", "BBB"]
    assert good["open"].to_list() == [1.5, 1, 1, 1, 1]
    assert good["line"].to_list() == [2, 3, 4, 5, 8]  # "two\nlines" spans lines 5-6; 7 blank
    assert good["raw"][1] == '"X,Y",2020-01-01T00:00:00,1,2,1,2,10,1m'
    assert good["raw"][3] == '"two\nlines",2020-01-01T00:00:00,1,2,1,2,10,1m'
    assert sum(c.blank_lines for c in chunks) == 1
    assert chunks[-1].last_line == QUOTED.count("\n")


def test_quoted_faults_are_rows_with_reasons_and_their_first_line(tmp_path):
    _, df = _read_all(CsvSource(_quoted_file(tmp_path)))
    bad = dict(
        df.filter(pl.col("parse_reason").is_not_null()).select("line", "parse_reason").rows()
    )
    assert bad[9] == "unparseable_volume"  # a quoted volume spanning lines 9-10
    assert bad[11] == "unclosed_quote"  # the quote opened on line 11 never closes
    assert df.filter(pl.col("line") == 11)["raw"][0].startswith("DDD,2020-01-01T00:00:00,1,2,")


@pytest.mark.parametrize("chunk_rows", [1, 3, 1000])
def test_quoted_file_reads_the_same_whatever_the_chunk_size(tmp_path, chunk_rows):
    path = _quoted_file(tmp_path)
    chunks, df = _read_all(CsvSource(path), chunk_rows)
    _, reference = _read_all(CsvSource(path), 1000)
    assert df.equals(reference)
    assert all(c.frame.height + c.blank_lines <= chunk_rows for c in chunks)
    _, resumed = _read_all(CsvSource(path), chunk_rows, after_line=6)
    assert resumed.equals(reference.filter(pl.col("line") > 6))


def test_utf8_byte_order_mark_before_the_header_is_accepted(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (CANONICAL + "AAA,2020-01-01,1,2,1,2,10,1d\n").encode())
    _, df = _read_all(CsvSource(path))
    assert CsvSource(path).format == "canonical"
    assert (df["symbol"][0], df["line"][0], df["parse_reason"][0]) == ("AAA", 2, None)


def test_invalid_utf8_bytes_are_replaced_not_fatal(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes((CANONICAL + "AAA,2020-01-01,1,2,1,2,10,1d\n").encode() + b"\xe9,2020,1\n")
    _, df = _read_all(CsvSource(path))
    assert df["parse_reason"].to_list() == [None, "wrong_column_count (expected 8, got 3)"]
    assert df["raw"][1] == "\ufffd,2020,1"


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [
        ("0001-01-01", "ts_out_of_range"),
        ("1677-01-01", "ts_out_of_range"),
        ("2262-12-31", "ts_out_of_range"),
        ("99999-01-01", "ts_out_of_range"),
        ("2020-13-45", "unparseable_ts"),
        ("20200101", "unparseable_ts"),
        ("1677-09-22", None),
        ("2262-04-11", None),
    ],
)
def test_dates_outside_the_nanosecond_range_are_rows_with_a_reason(tmp_path, stamp, reason):
    path = tmp_path / "far.csv"
    path.write_text(CANONICAL + f"AAA,{stamp},1,2,1,2,10,1d\nAAA,2020-01-02,1,2,1,2,10,1d\n")
    _, df = _read_all(CsvSource(path))
    assert df["parse_reason"].to_list() == [reason, None]
    if reason is None:
        assert df["ts"][0].date().isoformat() == stamp


def test_arch_dates_outside_the_range_are_rows_with_a_reason(tmp_path):
    path = tmp_path / "arch.csv"
    rows = ["1/2/2020,1,2,1,2,2,10", "1/3/0001,1,2,1,2,2,10", "1/6/99999,1,2,1,2,2,10"]
    path.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n" + "\n".join(rows) + "\n")
    src = CsvSource(path, symbol="X")
    _, df = _read_all(src)
    assert src.format == "arch"
    assert df["parse_reason"].to_list() == [None, "ts_out_of_range", "ts_out_of_range"]


def test_crlf_line_ends_and_a_lone_carriage_return_keep_line_numbers(tmp_path):
    path = tmp_path / "crlf.csv"
    rows = ["AAA,2020-01-01,1,2,1,2,10,1d", "AAA\r,2020-01-02,1,2,1,2,10,1d", "", ""]
    path.write_bytes((CANONICAL + "\r\n".join(rows) + "BBB,2020-01-03,1,2,1,2,10,1d\r\n").encode())
    chunks, df = _read_all(CsvSource(path), chunk_rows=1)
    assert df["line"].to_list() == [2, 3, 5]
    assert df["symbol"].to_list() == ["AAA", "AAA", "BBB"]
    assert df["parse_reason"].null_count() == 3 and chunks[-1].last_line == 5
