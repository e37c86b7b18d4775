"""The column-by-column checksum path gives the very values of the reference kernel (the
checksums recorded in existing lakes keep verifying)."""

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest

from quant.core.hashing import multiset_hash
from quant.data.store.checksum import Checksum, _columns


def _reference(table: pa.Table, weights: np.ndarray | None = None) -> str:
    """The checksum as first written: a (columns x rows) copy hashed by ``multiset_hash``."""
    w = np.ones(table.num_rows, np.uint64) if weights is None else weights.astype(np.uint64)
    bits, valid, salts = _columns(table)
    a, b = multiset_hash(bits, valid, salts, w)
    return str(Checksum(int(a), int(b)))


def _mixed(n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    nulls = rng.random((8, n)) < 0.2
    symbols = np.array(["AAPL", "MSFT", "", "ÄÖÜ", "BRK.B"])[rng.integers(0, 5, n)]
    floats = rng.normal(size=n)
    floats[rng.random(n) < 0.1] = 0.0
    floats[rng.random(n) < 0.1] = -0.0
    floats[rng.random(n) < 0.05] = np.nan
    ns = rng.integers(0, 2**62, n)
    return pa.table(
        {
            "symbol": pa.array(symbols, pa.large_string(), mask=nulls[0]),
            "venue": pa.array(symbols, pa.string()),
            "tag": pa.array(symbols, mask=nulls[1]).dictionary_encode(),
            "ts": pa.array(ns, pa.timestamp("ns", tz="UTC"), mask=nulls[2]),
            "day": pa.array(ns // 86_400_000_000_000, pa.int32()).cast(pa.date32()),
            "close": pa.array(floats, mask=nulls[3]),
            "dense": pa.array(floats),
            "f32": pa.array(floats.astype(np.float32), mask=nulls[4]),
            "n": pa.array(rng.integers(-(2**63), 2**63 - 1, n), mask=nulls[5]),
            "u": pa.array(rng.integers(0, 2**63, n).astype(np.uint64), pa.uint64()),
            "small": pa.array(rng.integers(-100, 100, n), pa.int16(), mask=nulls[6]),
            "flag": pa.array(rng.random(n) < 0.5, mask=nulls[7]),
            "blob": pa.array([s.encode() for s in symbols], pa.binary()),
            "empty": pa.nulls(n, pa.string()),
        }
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_column_path_equals_reference_kernel_on_mixed_tables(seed: int) -> None:
    table = _mixed(3_000, seed)
    weights = np.random.default_rng(seed).integers(1, 4, table.num_rows)

    assert str(Checksum.of(table)) == _reference(table)
    assert str(Checksum.of(table, weights)) == _reference(table, weights)


def test_column_path_equals_reference_on_slices_and_multi_chunk_columns() -> None:
    table = _mixed(2_000, 9)
    sliced = table.slice(317, 1_001)  # buffers read at an offset
    chunked = pa.concat_tables([table.slice(0, 700), table.slice(700)])

    assert str(Checksum.of(sliced)) == _reference(sliced)
    assert str(Checksum.of(chunked)) == _reference(table)
    assert Checksum.of(chunked) == Checksum.of(table)


def test_dictionary_with_null_values_and_views_hash_as_their_values() -> None:
    dictionary = pa.array(["x", None, "y"])
    with_null_value = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2, 1, None]), dictionary)
    plain = pa.array(["x", None, "y", None, None])
    views = plain.cast(pa.string_view())

    by_dict = pa.table({"s": with_null_value})
    assert str(Checksum.of(by_dict)) == _reference(by_dict) == _reference(pa.table({"s": plain}))
    assert str(Checksum.of(pa.table({"s": views}))) == _reference(pa.table({"s": plain}))


def test_known_table_keeps_its_recorded_checksum() -> None:
    ts = [datetime(2024, 1, 2, 9, 30, tzinfo=UTC), None, datetime(1999, 12, 31, tzinfo=UTC)]
    table = pa.table(
        {
            "symbol": pa.array(["AAPL", None, "MSFT"], pa.large_string()),
            "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "close": pa.array([1.5, float("nan"), -0.0]),
            "volume": pa.array([None, 2.0, 3.0], pa.float32()),
            "n": pa.array([1, None, -3], pa.int32()),
            "tf": pa.array(["1m", "1m", None]).dictionary_encode(),
            "ok": pa.array([True, None, False]),
        }
    )

    # values computed by the code that wrote the first lakes
    assert str(Checksum.of(table)) == "2fadd3a3e0273289d6863db8a785933f"
    assert str(Checksum.of(table, np.array([3, 1, 2]))) == "c413808ab3817d130b42d7d9dd8d6611"
