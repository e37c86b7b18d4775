"""The typed fast path gives exactly what the text path gives, line by line, on random files
mixing good rows with every kind of fault, in every layout."""

import numpy as np
import polars as pl
import pytest

from quant.data.sources import CsvSource, formats
from quant.data.sources.csv_typed import is_plain, line_texts

NUMBERS = [
    "1", "10.5", "+2", "-0", ".5", "5.", "1e3", "1E-2", " 1.5", "1.5 ", "\t2", "nan", "inf",
    "-inf", "Infinity", "1_0", "0x10", "1.5.5", "", " ", "abc", "1e400", "0001", "1d5", "-",
]  # fmt: skip
STAMPS = {
    "canonical": [
        "2020-01-01T00:00:00",
        "2020-01-01 00:00:00",
        "2020-01-01T00:00:00.25",
        "2020-01-01T00:00:00Z",
        "2020-01-01 00:00:00.5Z",
        "2020-01-01",
        " 2020-01-01T00:00:00",
        "2020-01-01T00:00:00 ",
        "2020-1-1T0:0:0",
        "2020-01-01t00:00:00",
        "2020-01-01T00:00",
        "2020-01-01T24:00:00",
        "2020-02-30T00:00:00",
        "1600-01-01T00:00:00",
        "99999-01-01",
        "2300-01-01T00:00:00",
        "2020-01-01T00:00:60",
        "x",
        "",
    ],
    "yahoo": ["2020-01-02", "2020-1-2", " 2020-01-02", "2020-13-01", "1500-01-01", "x", ""],
    "arch": ["1/2/2020", "01/02/2020", "1/2/99999", "13/1/2020", "2020-01-02", ""],
}
SYMBOLS = ["AAA", " BBB ", "", " ", "bad symbol!", "C.D", "x" * 40]
HEADERS = {
    "canonical": "symbol,ts,open,high,low,close,volume,adj_close,timeframe",
    "yahoo": "Date,Open,High,Low,Close,Adj Close,Volume",
    "arch": "Date,Open,High,Low,Close,Adj Close,Volume",
    "backtrader_intraday": "Date,Time,Open,High,Low,Close,Volume,OpenInterest",
}


def _row(rng: np.random.Generator, fmt: str, faulty: float, wide: float) -> str:
    """One line: mostly a good row, else fields drawn from the fault pools."""
    bad = rng.random() < faulty
    pick = lambda pool, good: pool[rng.integers(len(pool))] if bad and rng.random() < 0.3 else good  # noqa: E731
    day = int(rng.integers(1, 28))
    price = f"{100 + rng.normal():.2f}"
    nums = [pick(NUMBERS, price) for _ in range(4)] + [pick(NUMBERS, f"{rng.integers(1000)}")]
    if fmt == "canonical":
        ts = pick(
            STAMPS[fmt], f"2020-01-{day:02d}T{rng.integers(24):02d}:{rng.integers(60):02d}:00"
        )
        fields = [
            pick(SYMBOLS, "AAA"),
            ts,
            *nums,
            pick(["", "1", "x"], "1.5"),
            pick(["", " 1m"], "1m"),
        ]
    elif fmt == "backtrader_intraday":
        date, time = (
            pick(STAMPS["yahoo"], f"2020-01-{day:02d}"),
            pick(["25:00:00", "", "x"], "10:00:00"),
        )
        fields = [date, time, *nums, pick(["", "x"], "0")]
    else:
        stamp = f"1/{day}/2020" if fmt == "arch" else f"2020-01-{day:02d}"
        fields = [pick(STAMPS[fmt], stamp), *nums[:4], pick(["", "x"], "10"), nums[4]]
    if bad and rng.random() < 0.1:
        fields = fields[: int(rng.integers(len(fields)))] or [""]  # too few fields or blank
    elif bad and rng.random() < wide:
        fields.append("7")  # one field too many
    return ",".join(fields)


def _write(path, fmt: str, n: int, seed: int, faulty: float, tail: str = "\n", wide=0.05) -> None:
    rng = np.random.default_rng(seed)
    rows = [_row(rng, fmt, faulty, wide) for _ in range(n)]
    path.write_text(HEADERS[fmt] + "\n" + "\n".join(rows) + tail)


def _read(path, typed: bool, chunk_rows: int, after_line: int = 0, **kw):
    src = CsvSource(path, **kw)
    src.typed = typed
    chunks = list(src.chunks(chunk_rows, after_line))
    meta = [(c.last_line, c.blank_lines, c.is_last, c.frame.height) for c in chunks]
    return pl.concat([c.frame for c in chunks]), meta


@pytest.mark.parametrize("fmt", ["canonical", "yahoo", "arch", "backtrader_intraday"])
@pytest.mark.parametrize(
    ("seed", "faulty", "wide"),
    [(0, 0.0, 0), (1, 0.002, 0.05), (2, 0.05, 0), (3, 0.05, 0.05), (4, 0.5, 0), (5, 0.5, 0.05)],
)
def test_typed_path_equals_the_text_path(tmp_path, fmt, seed, faulty, wide):
    path = tmp_path / "bars.csv"
    _write(path, fmt, 3000, seed, faulty, wide=wide)
    kw = {} if fmt == "canonical" else {"symbol": "X", "timeframe": "1m"}
    for chunk_rows, after in [(700, 0), (100_000, 0), (250, 1234)]:
        typed, typed_meta = _read(path, True, chunk_rows, after, **kw)
        text, text_meta = _read(path, False, chunk_rows, after, **kw)
        assert typed_meta == text_meta
        assert typed.schema == text.schema
        assert typed.equals(text)


@pytest.mark.parametrize("tail", ["", "\n\n", "\n \n"])
def test_typed_path_equals_the_text_path_at_a_ragged_end(tmp_path, tail):
    path = tmp_path / "bars.csv"
    _write(path, "canonical", 500, 7, 0.01, tail)
    typed, typed_meta = _read(path, True, 200)
    text, text_meta = _read(path, False, 200)
    assert typed_meta == text_meta
    assert typed.equals(text)


def test_given_symbol_and_timeframe_replace_the_file_columns_alike(tmp_path):
    path = tmp_path / "bars.csv"
    _write(path, "canonical", 800, 5, 0.05)
    kw = {"symbol": "ZZZ", "timeframe": "5m"}
    assert _read(path, True, 300, **kw)[0].equals(_read(path, False, 300, **kw)[0])


def test_only_plain_blocks_take_the_typed_path():
    assert is_plain(b"a,b\n1,2\n")
    assert not is_plain(b"a,b\n1,2")  # no final newline
    assert not is_plain(b'a,b\n"1",2\n')
    assert not is_plain(b"a,b\r\n1,2\r\n")
    assert not is_plain("a,b\n\u00e9,2\n".encode())


def test_line_texts_point_into_the_block():
    block = b"first line of text\nsecond line, longer one\n"
    starts, lengths = np.array([0, 19]), np.array([18, 23])
    assert line_texts(block, starts, lengths).to_list() == [
        "first line of text",
        "second line, longer one",
    ]


def test_stamps_without_a_fraction_parse_alike_with_the_fast_format_first():
    rng = np.random.default_rng(0)
    stamps = STAMPS["canonical"] + [
        f"{y}-{m:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{frac}"
        for y, m, d, h, mi, s, sep, frac in zip(
            rng.integers(1600, 2400, 3000),
            rng.integers(0, 14, 3000),
            rng.integers(0, 33, 3000),
            rng.integers(0, 26, 3000),
            rng.integers(0, 61, 3000),
            rng.integers(0, 62, 3000),
            rng.choice(["T", " ", "t"], 3000),
            rng.choice(["", ".5", "Z", ".123456789", ".1234567891"], 3000),
            strict=True,
        )
    ]
    text = pl.Series(stamps)
    assert formats._ISO[1] == formats._ISO[0] + "%.f"
    fast = formats._parse(text, formats._ISO)
    reference = formats._parse(text, formats._ISO[1:])
    assert fast.equals(reference)
    assert fast.null_count() < len(stamps)
