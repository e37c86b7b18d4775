"""`quant data ingest` as a real subprocess."""

import json
import subprocess
import sys

import pytest

from quant.data import samples
from quant.data.store import DatasetStore


def run(*args):
    return subprocess.run(
        [sys.executable, "-c", "from quant.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_ingest_glob_reports_json_and_a_rerun_is_a_noop(tmp_path):
    lake = tmp_path / "lake"
    pattern = str(samples.SAMPLES_DIR / "*-1*-2014.txt")  # nvda, orcl, yhoo (Yahoo layout)
    first = run(
        "--lake",
        str(lake),
        "data",
        "ingest",
        pattern,
        "--dataset",
        "bars_1d",
        "--symbol",
        "MULTI",
        "--chunk-rows",
        "2000",
        "--json",
    )
    assert first.returncode == 0, first.stderr
    reports = json.loads(first.stdout)
    assert [r["format"] for r in reports] == ["yahoo"] * 3
    # one symbol for three files: later files overlap the first's dates and are quarantined
    assert reports[0]["rows_written"] == 4012
    assert sum(r["rows_written"] + r["rows_quarantined"] for r in reports) == 4012 + 5036 + 4713
    again = run(
        "--lake",
        str(lake),
        "data",
        "ingest",
        pattern,
        "--dataset",
        "bars_1d",
        "--symbol",
        "MULTI",
        "--json",
    )
    assert all(r["already_complete"] for r in json.loads(again.stdout))


def test_ingest_table_output_names_rows_and_quarantine_reasons(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Date,Open,High,Low,Close,Volume,OpenInterest\n2020-01-01,1,2,1,x,0,0\n"
        "2020-01-02,1,2,1,1.5,0,0\n"
    )
    out = run(
        "--lake",
        str(tmp_path / "lake"),
        "data",
        "ingest",
        str(bad),
        "--dataset",
        "bars_1d",
        "--symbol",
        "B",
    )
    assert out.returncode == 0, out.stderr
    assert "rows_written" in out.stdout and "unparseable_close: 1" in out.stdout


def test_unreadable_file_exits_2_with_a_message_and_writes_nothing(tmp_path):
    lake = tmp_path / "lake"
    junk = tmp_path / "junk.csv.gz"
    junk.write_bytes(b"\x1f\x8b\x08\x00garbage")
    out = run(
        "--lake", str(lake), "data", "ingest", str(junk), "--dataset", "bars_1d", "--symbol", "J"
    )
    assert out.returncode == 2
    assert out.stderr.startswith("error:") and "junk.csv.gz" in out.stderr
    assert "Traceback" not in out.stderr
    assert DatasetStore(lake, lock_timeout_s=5).list() == []
