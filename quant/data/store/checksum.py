"""Content checksums: an order-independent 128-bit multiset hash of a table's rows.

Each row hashes to two 64-bit lanes (splitmix64 over every column's value bits, null flags,
the column position and name; the kernel is ``quant.core.hashing.multiset_hash``, computed
column by column with ``mix_column`` straight from the Arrow buffers, each distinct string
hashed once; the numpy twin runs when JIT is disabled); a table's checksum is the per-lane
sum modulo 2**64. So an append adds the new rows' sums, an upsert subtracts the replaced
rows' and adds the new ones, and a rollback reuses the target version's checksum without
reading data. The hash depends only on the stored values (not file layout or row order) and
is computed with our own code over numpy arrays and hashlib, so it is stable across library
versions.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa

from quant.core import hashing
from quant.core.jit import DISABLED

_M64 = (1 << 64) - 1
_CHUNK = 1_000_000  # rows hashed per kernel call (bounds the temporary arrays)


def _digest64(value: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(value, digest_size=8).digest(), "little")


_EMPTY_U8 = np.zeros(0, dtype=np.uint8)
_EMPTY_U64 = np.zeros(0, dtype=np.uint64)
_EMPTY_I64 = np.zeros(0, dtype=np.int64)


def _is_text(t: pa.DataType) -> bool:
    return (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or pa.types.is_large_binary(t)
        or pa.types.is_string_view(t)
        or pa.types.is_binary_view(t)
    )


def _unview(col: pa.Array) -> pa.Array:
    """View-layout strings/binaries as their large form (what hashing reads)."""
    t = col.type
    if pa.types.is_string_view(t) or pa.types.is_binary_view(t):
        return col.cast(pa.large_string() if pa.types.is_string_view(t) else pa.large_binary())
    return col


def _digests(values: pa.Array) -> np.ndarray:
    """The 64-bit digest of each string/bytes value (nulls: 0, never read)."""
    return np.array(
        [
            0 if v is None else _digest64(v.encode() if isinstance(v, str) else v)
            for v in values.to_pylist()
        ],
        dtype=np.uint64,
    )


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
    if (
        pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_binary(t)
        or (pa.types.is_large_binary(t))
    ):
        enc = col.dictionary_encode()
        table = np.array(
            [
                _digest64(v.as_py().encode() if isinstance(v.as_py(), str) else v.as_py())
                for v in enc.dictionary
            ],
            dtype=np.uint64,
        )
        idx = np.asarray(enc.indices.fill_null(0), dtype=np.int64)
        return table[idx] if len(table) else np.zeros(len(col), dtype=np.uint64)
    # rare nested types: hash each value's canonical text
    return np.array([_digest64(repr(v).encode()) for v in col.to_pylist()], dtype=np.uint64)


def _columns(table: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(columns x rows) value bits, null flags and per-column salts of ``table``."""
    n, k = table.num_rows, table.num_columns
    bits = np.empty((k, n), dtype=np.uint64)
    valid = np.empty((k, n), dtype=np.uint8)
    salts = np.empty(k, dtype=np.uint64)
    for i, field in enumerate(table.schema):
        col = table.column(i).combine_chunks()
        valid[i] = np.asarray(col.is_valid(), dtype=np.uint8)
        bits[i] = np.where(valid[i] == 1, _value_bits(col), np.uint64(0))  # nulls: 0 bits
        salts[i] = _salt(i, field.name)
    return bits, valid, salts


def _salt(position: int, name: str) -> np.uint64:
    return np.uint64(_digest64(f"{position}:{name}".encode()))


def _buffer_bits(col: pa.Array) -> np.ndarray:
    """The uint64 view of a 64-bit fixed-width array's value buffer (no copy)."""
    buf = col.buffers()[1]
    return np.frombuffer(buf, dtype=np.uint64, count=col.offset + len(col))[col.offset :]


def _fold(col: pa.Array, salt: np.uint64, lane_a: np.ndarray, lane_b: np.ndarray) -> None:
    """Fold one column into the lanes, reading fixed-width values in place and hashing
    each distinct string once (the same value bits as :func:`_value_bits`)."""
    t = col.type
    valid = _EMPTY_U8
    if col.null_count:
        valid = np.asarray(col.is_valid()).view(np.uint8)
    bits, index, table, mode = _EMPTY_U64, _EMPTY_I64, _EMPTY_U64, hashing.PLAIN
    if pa.types.is_float64(t):
        bits, mode = _buffer_bits(col), hashing.FLOAT
    elif (pa.types.is_integer(t) or pa.types.is_temporal(t)) and t.bit_width == 64:
        bits = _buffer_bits(col)
    elif _is_text(t) or (
        pa.types.is_dictionary(t) and _is_text(t.value_type) and not col.dictionary.null_count
    ):
        enc = col if pa.types.is_dictionary(t) else _unview(col).dictionary_encode()
        table = _digests(_unview(enc.dictionary))
        index = np.asarray(enc.indices.fill_null(0), dtype=np.int64)
        mode = hashing.GATHER
    else:
        bits = _value_bits(col)
    hashing.mix_column(lane_a, lane_b, bits, index, table, valid, salt, mode)


def _column_lanes(table: pa.Table, weights: np.ndarray | None) -> tuple[int, int]:
    """(lane A sum, lane B sum) of ``table``: ``multiset_hash`` folded column by column."""
    n = table.num_rows
    lane_a = np.full(n, hashing.SEED_A, dtype=np.uint64)
    lane_b = np.full(n, hashing.SEED_B, dtype=np.uint64)
    for i, field in enumerate(table.schema):
        col = table.column(i)
        col = col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()
        _fold(col, _salt(i, field.name), lane_a, lane_b)
    if weights is not None:  # uint64 products wrap, like the kernel's
        lane_a, lane_b = lane_a * weights, lane_b * weights
    return int(lane_a.sum(dtype=np.uint64)), int(lane_b.sum(dtype=np.uint64))


def _mix(x: np.ndarray) -> np.ndarray:
    """Vectorised splitmix64 finaliser (the numpy twin of ``quant.core.hashing.mix64``)."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def numpy_multiset_hash(
    bits: np.ndarray, valid: np.ndarray, salts: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """The multiset hash in vectorised numpy: used when JIT is disabled; must match the
    kernel bit for bit."""
    n = bits.shape[1]
    lanes = [np.full(n, hashing.SEED_A), np.full(n, hashing.SEED_B)]
    with np.errstate(over="ignore"):
        for i in range(bits.shape[0]):
            v = _mix(bits[i] ^ salts[i]) + valid[i].astype(np.uint64)
            for k in range(2):
                lanes[k] = _mix(lanes[k] ^ (v + np.uint64(k + 1) * salts[i]))
        return np.array([(lane * weights).sum(dtype=np.uint64) for lane in lanes], np.uint64)


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
        total = cls()
        for start in range(0, table.num_rows, _CHUNK):
            chunk = table.slice(start, _CHUNK)
            w = None
            if weights is not None:
                w = weights[start : start + chunk.num_rows].astype(np.uint64)
            if DISABLED:
                bits, valid, salts = _columns(chunk)
                ones = np.ones(chunk.num_rows, dtype=np.uint64)
                a, b = numpy_multiset_hash(bits, valid, salts, ones if w is None else w)
            else:
                a, b = _column_lanes(chunk, w)
            total = total + cls(int(a), int(b))
        return total

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
