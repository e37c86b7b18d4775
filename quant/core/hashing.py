"""Multiset row hashing kernel (used by the dataset store's content checksums).

Kernel contract: ``bits`` is (columns x rows) uint64 value bits, ``valid`` the matching
uint8 null flags (1 = value present), ``salts`` one uint64 per column, ``weights`` one
uint64 multiplicity per row. Each row is hashed into two 64-bit lanes with the splitmix64
finaliser; the result is the per-lane sum of ``lane * weight`` modulo 2**64 (wrapping
unsigned arithmetic). Row order does not matter; no NaN semantics (floats arrive as bits).

``mix_column`` computes the same lanes one column at a time (lanes as per-row state), so a
caller can feed each column straight from its Arrow buffer (no columns x rows copy):
folding every column in order with it, then summing the lanes, equals ``multiset_hash``.
"""

from __future__ import annotations

import numpy as np

from quant.core.jit import njit

SEED_A = np.uint64(0x9E3779B97F4A7C15)
SEED_B = np.uint64(0xC2B2AE3D27D4EB4F)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_ONE = np.uint64(1)
_TWO = np.uint64(2)


@njit
def mix64(x: np.uint64) -> np.uint64:
    """splitmix64 finaliser of one uint64 (wrapping)."""
    x = x ^ (x >> _S30)
    x = x * _M1
    x = x ^ (x >> _S27)
    x = x * _M2
    return x ^ (x >> _S31)


@njit
def multiset_hash(
    bits: np.ndarray, valid: np.ndarray, salts: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Two-lane multiset hash of rows: returns uint64[2] = (sum lane A, sum lane B)."""
    n_cols, n_rows = bits.shape
    out = np.zeros(2, dtype=np.uint64)
    acc_a = np.uint64(0)
    acc_b = np.uint64(0)
    for r in range(n_rows):
        a = SEED_A
        b = SEED_B
        for c in range(n_cols):
            salt = salts[c]
            v = mix64(bits[c, r] ^ salt) + np.uint64(valid[c, r])
            a = mix64(a ^ (v + _ONE * salt))
            b = mix64(b ^ (v + _TWO * salt))
        w = weights[r]
        acc_a += a * w
        acc_b += b * w
    out[0] = acc_a
    out[1] = acc_b
    return out


#: ``mix_column`` modes: how a row's value bits are found.
PLAIN = 0  # bits[r]
FLOAT = 1  # bits[r] of a float64, -0.0 taken as 0.0
GATHER = 2  # table[index[r]] (a dictionary's value bits)
_NEG_ZERO = np.uint64(0x8000000000000000)


@njit
def mix_column(
    lane_a: np.ndarray,
    lane_b: np.ndarray,
    bits: np.ndarray,
    index: np.ndarray,
    table: np.ndarray,
    valid: np.ndarray,
    salt: np.uint64,
    mode: int,
) -> None:
    """Fold one column into the per-row lanes in place (``valid`` empty: no nulls)."""
    n = lane_a.shape[0]
    has_nulls = valid.shape[0] == n
    salt_a = salt
    salt_b = _TWO * salt
    v_null = mix64(salt)  # a null: value bits 0, flag 0
    hashed = np.empty(table.shape[0], dtype=np.uint64)  # GATHER: each distinct value once
    for k in range(table.shape[0]):
        hashed[k] = mix64(table[k] ^ salt) + _ONE
    for r in range(n):
        if has_nulls and valid[r] == 0:
            v = v_null
        elif mode == GATHER:
            v = hashed[index[r]]
        else:
            x = bits[r]
            if mode == FLOAT and x == _NEG_ZERO:
                x = np.uint64(0)
            v = mix64(x ^ salt) + _ONE
        lane_a[r] = mix64(lane_a[r] ^ (v + salt_a))
        lane_b[r] = mix64(lane_b[r] ^ (v + salt_b))
