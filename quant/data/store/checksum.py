"""Content checksums: an order-independent 128-bit multiset hash of a table's rows.

Each row hashes to two 64-bit lanes (splitmix64 over every column's value bits, null flags,
the column position and name); a table's checksum is the per-lane sum modulo 2**64. So an
append adds the new rows' sums, an upsert subtracts the replaced rows' and adds the new
ones, and a rollback reuses the target version's checksum without reading data. The hash
depends only on the stored values (not file layout or row order), and is computed with
numpy and hashlib, so it is stable across library versions.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_M64 = (1 << 64) - 1
_SEEDS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (vectorised, wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _digest64(value: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(value, digest_size=8).digest(), "little")


def _value_bits(col: pa.Array) -> np.ndarray:
    """One uint64 per element identifying its value (nulls give 0; the null flag is mixed later)."""
    t = col.type
    if pa.types.is_dictionary(t):
        col = col.cast(t.value_type)
        t = col.type
    if pa.types.is_string_view(t) or pa.types.is_binary_view(t):
        col = col.cast(pa.large_string() if pa.types.is_string_view(t) else pa.large_binary())
        t = col.type
    if pa.types.is_boolean(t):
        return np.asarray(col.fill_null(False).cast(pa.uint8()), dtype=np.uint64)
    if pa.types.is_floating(t):
        arr = np.asarray(col.cast(pa.float64()).fill_null(0.0), dtype=np.float64)
        arr = np.where(arr == 0.0, 0.0, arr)  # -0.0 and 0.0 hash alike
        return arr.view(np.uint64)
    if pa.types.is_integer(t) or pa.types.is_temporal(t):
        width = pa.int64() if not pa.types.is_unsigned_integer(t) else pa.uint64()
        if pa.types.is_temporal(t):
            col = col.view(pa.int64()) if t.bit_width == 64 else col.cast(pa.int32())
            col = col.cast(pa.int64())
        return np.asarray(col.cast(width).fill_null(0)).view(np.uint64)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or (
        pa.types.is_large_binary(t)
    ):
        enc = pc.dictionary_encode(col)
        table = np.array([_digest64(v.as_py().encode() if isinstance(v.as_py(), str)
                                    else v.as_py()) for v in enc.dictionary], dtype=np.uint64)
        idx = np.asarray(enc.indices.fill_null(0), dtype=np.int64)
        return table[idx] if len(table) else np.zeros(len(col), dtype=np.uint64)
    # rare nested types: hash each value's canonical text
    return np.array([_digest64(repr(v).encode()) for v in col.to_pylist()], dtype=np.uint64)


def row_hashes(table: pa.Table) -> tuple[np.ndarray, np.ndarray]:
    """Two uint64 lanes of per-row hashes of ``table`` (columns in schema order)."""
    n = table.num_rows
    lanes = [np.full(n, s, dtype=np.uint64) for s in _SEEDS]
    for i, field in enumerate(table.schema):
        col = table.column(i).combine_chunks()
        bits = _value_bits(col)
        valid = np.asarray(col.is_valid(), dtype=np.uint64)
        salt = np.uint64(_digest64(f"{i}:{field.name}".encode()))
        with np.errstate(over="ignore"):
            v = _mix(bits ^ salt) + valid
            for k in range(2):
                lanes[k] = _mix(lanes[k] ^ (v + np.uint64(k + 1) * salt))
    return lanes[0], lanes[1]


class Checksum:
    """A multiset hash value: two 64-bit lane sums; ``str()`` gives 32 hex characters."""

    __slots__ = ("a", "b")

    def __init__(self, a: int = 0, b: int = 0) -> None:
        self.a, self.b = a & _M64, b & _M64

    @classmethod
    def parse(cls, text: str) -> Checksum:
        """Read the 32-hex-character form."""
        return cls(int(text[:16], 16), int(text[16:32], 16))

    @classmethod
    def of(cls, table: pa.Table, weights: np.ndarray | None = None) -> Checksum:
        """Checksum of a table's rows (each row counted ``weights[i]`` times if given)."""
        if table.num_rows == 0:
            return cls()
        la, lb = row_hashes(table)
        if weights is not None:
            w = weights.astype(np.uint64)
            with np.errstate(over="ignore"):
                la, lb = la * w, lb * w
        return cls(int(la.sum(dtype=np.uint64)), int(lb.sum(dtype=np.uint64)))

    def __add__(self, other: Checksum) -> Checksum:
        return Checksum(self.a + other.a, self.b + other.b)

    def __sub__(self, other: Checksum) -> Checksum:
        return Checksum(self.a - other.a, self.b - other.b)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Checksum) and (self.a, self.b) == (other.a, other.b)

    def __hash__(self) -> int:
        return hash((self.a, self.b))

    def __str__(self) -> str:
        return f"{self.a:016x}{self.b:016x}"

    __repr__ = __str__


def table_checksum(batches: pa.RecordBatchReader | pa.Table) -> Checksum:
    """Checksum of a whole table, streamed batch by batch (bounded memory)."""
    if isinstance(batches, pa.Table):
        batches = batches.to_reader(max_chunksize=1_000_000)
    total = Checksum()
    for batch in batches:
        total = total + Checksum.of(pa.Table.from_batches([batch]))
    return total
