"""replace_range replaces a symbol's time range in one commit; writes with skip_unchanged
commit nothing when the content would not change."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from quant.data.store import InvalidWrite
from tests.data.store.conftest import bars


def _day(d: int) -> datetime:
    return datetime(2020, 1, 1 + d, tzinfo=UTC)


def test_replace_range_deletes_rows_of_the_range_missing_from_the_new_data(store):
    store.append("bars_1d", pl.concat([bars("NVDA", 10), bars("O'NEIL", 10)]))
    new = bars("NVDA", 10, price=500.0).filter(pl.col("ts").dt.day().is_in([3, 5]))

    info = store.replace_range("bars_1d", new, symbol="NVDA", start=_day(2), end=_day(6))

    nvda = store.read("bars_1d", filters=[("symbol", "=", "NVDA")]).sort("ts")
    assert [t.day for t in nvda["ts"]] == [1, 2, 3, 5, 8, 9, 10]  # 4, 6, 7 gone: not in new
    assert nvda.filter(pl.col("ts").dt.day().is_in([3, 5]))["close"].to_list() == [502.0, 504.0]
    assert (info.version, info.operation, info.rows_added, info.rows_removed) == (
        1,
        "replace",
        2,
        5,
    )
    assert info.rows_total == 17 and store.verify("bars_1d")["ok"]
    quoted = store.replace_range("bars_1d", bars("O'NEIL", 2), symbol="O'NEIL")  # open range
    assert quoted.rows_total == 9 and store.verify("bars_1d")["ok"]


def test_replace_range_refuses_rows_outside_the_range_and_writes_nothing(store):
    store.append("bars_1d", bars("NVDA", 5))

    with pytest.raises(InvalidWrite, match="outside"):
        store.replace_range("bars_1d", bars("NVDA", 5), symbol="NVDA", end=_day(2))
    with pytest.raises(InvalidWrite, match="outside"):
        store.replace_range("bars_1d", bars("AMD", 1), symbol="NVDA")
    assert len(store.versions("bars_1d")) == 1


@pytest.mark.parametrize("op", ["overwrite", "upsert", "replace"])
def test_writing_the_same_content_twice_gives_one_version(store, op):
    write = {
        "overwrite": lambda df, **kw: store.overwrite("bars_1d", df, **kw),
        "upsert": lambda df, **kw: store.upsert("bars_1d", df, **kw),
        "replace": lambda df, **kw: store.replace_range("bars_1d", df, symbol="NVDA", **kw),
    }[op]
    first = write(bars("NVDA", 5), skip_unchanged=True)

    again = write(bars("NVDA", 5).reverse(), skip_unchanged=True)  # same rows, other order
    changed = write(bars("NVDA", 5, price=1.0), skip_unchanged=True)
    plain = write(bars("NVDA", 5, price=1.0))  # without skip_unchanged: always a commit

    assert again.version == first.version == 0
    assert changed.version == 1 and plain.version == 2


def test_volatile_columns_are_left_out_of_the_unchanged_test(store):
    def row(sharpe: float, run: int) -> pl.DataFrame:
        return pl.DataFrame({"strategy": ["sma"], "sharpe": [sharpe], "run_at": [_day(run)]})

    first = store.upsert("runs", row(1.0, 1), key=("strategy",))
    rerun = store.upsert("runs", row(1.0, 2), key=("strategy",), skip_unchanged=True)
    strict = store.upsert("runs", row(1.0, 2), key=("strategy",), skip_unchanged=True, volatile=())
    moved = store.upsert(
        "runs", row(2.0, 3), key=("strategy",), skip_unchanged=True, volatile=("run_at",)
    )
    same = store.upsert(
        "runs", row(2.0, 4), key=("strategy",), skip_unchanged=True, volatile=("run_at",)
    )

    assert first.version == 0 and rerun.version == 1 and strict.version == 1
    assert moved.version == 2 and same.version == 2
    assert store.read("runs")["run_at"].to_list() == [_day(3)]
