import csv

import pytest

from quant.data import samples


@pytest.mark.parametrize("sample", samples.SAMPLES, ids=lambda s: s.file)
def test_shipped_file_has_documented_row_count(sample):
    info = samples.describe(sample)
    assert info["present"]
    assert info["rows_on_disk"] == sample.rows


@pytest.mark.parametrize("sample", samples.SAMPLES, ids=lambda s: s.file)
def test_shipped_file_has_a_date_header(sample):
    with samples.open_text(sample.path) as fh:
        header = next(csv.reader(fh))
    assert header[0] == "Date"
    assert {"Open", "High", "Low", "Close", "Volume"} <= set(header)


def test_samples_readme_documents_every_file():
    text = (samples.SAMPLES_DIR / "README.md").read_text()
    for s in samples.SAMPLES:
        assert s.file in text
