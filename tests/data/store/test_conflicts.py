"""Delta optimistic-concurrency conflicts from writers that bypass the store's lock."""

import polars as pl
import pytest
from deltalake import write_deltalake

from quant.data.store import CommitConflict
from quant.data.store import writes as writes_module
from quant.data.store.checksum import table_checksum
from tests.data.store.conftest import bars


def _foreign_commit_before_each_write(monkeypatch, store, times):
    """A real commit by an outside writer lands between our preparation and our commit."""
    real = writes_module.write_deltalake
    left = [times]

    def racing(table_or_uri, data, **kwargs):
        if left[0] > 0:
            left[0] -= 1
            write_deltalake(store.table_uri("bars_1d"), bars("YHOO", 1).to_arrow(), mode="append")
        return real(table_or_uri, data, **kwargs)

    monkeypatch.setattr(writes_module, "write_deltalake", racing)


def test_commit_conflict_is_retried_with_fresh_state(store, monkeypatch):
    store.append("bars_1d", bars("NVDA", 3))
    _foreign_commit_before_each_write(monkeypatch, store, times=1)

    info = store.append("bars_1d", bars("ORCL", 2))

    assert info.version == 2  # the foreign commit took version 1
    assert info.rows_total == 6
    data = store.open_table("bars_1d").to_pyarrow_dataset().to_table()
    assert info.checksum == str(table_checksum(data))
    assert store.read("bars_1d").filter(pl.col("symbol") == "ORCL").height == 2


def test_persistent_conflicts_fail_clearly_and_write_nothing(store, monkeypatch):
    store.append("bars_1d", bars("NVDA", 3))
    _foreign_commit_before_each_write(monkeypatch, store, times=100)

    with pytest.raises(CommitConflict, match="nothing was written"):
        store.append("bars_1d", bars("ORCL", 2))

    assert store.read("bars_1d").filter(pl.col("symbol") == "ORCL").height == 0
