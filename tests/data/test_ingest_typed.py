"""An ingest through the typed CSV path stores what the text path stores: the same bars with
the same checksums, the same quarantine rows (reason, line, raw text) and the same report."""

import pytest

from quant.data import ingest as ing
from quant.data.resume import QUARANTINE
from quant.data.sources import CsvSource
from quant.data.store import DatasetStore
from tests.data.faulty import write_faulty
from tests.data.generate import write_bars_csv
from tests.data.sources.test_csv_typed import _write

_VOLATILE = ("ingested_at",)


def _ingest(tmp_path, monkeypatch, typed: bool, path, **kw):
    monkeypatch.setattr(CsvSource, "typed", typed)
    store = DatasetStore(tmp_path / f"lake_{typed}", lock_timeout_s=10)
    [report] = ing.ingest(store, path, "bars_1m", **kw)
    bars = store.read("bars_1m").sort("symbol", "ts")  # files come back in any order
    quarantine = store.read(QUARANTINE).drop(_VOLATILE).sort("line")
    info = store.version_info("bars_1m")  # the quarantine's checksum covers ingested_at
    checksums = (info.rows_total, info.checksum, store.version_info(QUARANTINE).rows_total)
    fields = report.to_dict()
    for volatile in ("seconds", "source"):
        fields.pop(volatile)
    return bars, quarantine, checksums, fields


@pytest.mark.parametrize("kind", ["generated", "faulty", "random"])
def test_typed_and_text_ingests_store_the_same(tmp_path, monkeypatch, kind):
    if kind == "generated":
        path, kw = write_bars_csv(tmp_path / "g.csv", 30_000, bad_every=97), {}
    elif kind == "faulty":
        path, kw = write_faulty(tmp_path / "f.csv"), {"symbol": "F", "timeframe": "1d"}
    else:
        path, kw = tmp_path / "r.csv", {}
        _write(path, "canonical", 5000, 11, 0.05)
    typed = _ingest(tmp_path, monkeypatch, True, path, chunk_rows=3000, **kw)
    text = _ingest(tmp_path, monkeypatch, False, path, chunk_rows=3000, **kw)
    assert typed[0].equals(text[0]) and typed[0].height > 0
    assert typed[1].equals(text[1]) and typed[1].height > 0
    assert typed[2] == text[2]
    assert typed[3] == text[3]
