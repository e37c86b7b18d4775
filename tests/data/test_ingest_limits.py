"""The ingest quarantines rows that would overflow or hold absurd values, by the declared limits."""

import polars as pl
import pytest

from quant.data import bars
from quant.data import ingest as ing
from quant.data.store import DatasetStore

HEADER = "symbol,ts,open,high,low,close,volume,timeframe\n"
ROWS = [  # (text, reason or None); lines start at 2
    ("AAA,2020-01-01,10,11,9,10,100,1d", None),
    ("AAA,0001-01-01,10,11,9,10,100,1d", "ts_out_of_range"),
    ("AAA,99999-01-01,10,11,9,10,100,1d", "ts_out_of_range"),
    ("X" * 10_000_000 + ",2020-01-02,10,11,9,10,100,1d", "invalid_symbol"),
    ("AAA,2020-01-03,1e308,1e308,1e308,1e308,100,1d", "price_too_large"),
    ("AAA,2020-01-06,10,11,9,10,1e300,1d", "invalid_volume"),
    ("AAA,2020-01-07,10,11,9,10,-1,1d", "invalid_volume"),
    ('"B,B",2020-01-02,10,11,9,10,100,1d', "invalid_symbol"),
    ('"BBB",2020-01-02,"10","11",9,10,100,1d', None),
    ("AAA,2020-01-08,10,11,9,10,100,1d", None),
]


@pytest.mark.parametrize("chunk_rows", [1, 4, 1000])
def test_absurd_and_out_of_range_rows_are_quarantined_and_the_rest_stored(tmp_path, chunk_rows):
    path = tmp_path / "absurd.csv"
    path.write_text(HEADER + "\n".join(text for text, _ in ROWS) + "\n")
    store = DatasetStore(tmp_path / "lake", lock_timeout_s=10)
    [report] = ing.ingest(store, path, "bars_1d", chunk_rows=chunk_rows)
    stored = store.read("bars_1d").sort("symbol", "ts")
    quarantine = store.read("quarantine").sort("line")
    expected = {line: reason for line, (_, reason) in enumerate(ROWS, start=2) if reason}
    assert dict(quarantine.select("line", "reason").rows()) == expected
    assert report.rows_written == stored.height == len(ROWS) - len(expected)
    assert stored["symbol"].to_list() == ["AAA", "AAA", "BBB"]
    assert bars.audit(stored) == dict.fromkeys(bars.audit(stored), 0)
    assert quarantine.filter(pl.col("line") == 5)["raw"].str.len_bytes()[0] > 10_000_000
    [again] = ing.ingest(store, path, "bars_1d", chunk_rows=chunk_rows)  # no abort on re-run
    assert again.already_complete and store.read("bars_1d").height == stored.height
