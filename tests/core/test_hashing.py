import numpy as np

from quant.core.hashing import multiset_hash
from quant.data.store.checksum import numpy_multiset_hash


def test_kernel_matches_numpy_twin_bit_for_bit():
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**63, (5, 3000), dtype=np.uint64) * np.uint64(3)
    valid = rng.integers(0, 2, (5, 3000)).astype(np.uint8)
    salts = rng.integers(0, 2**63, 5, dtype=np.uint64)
    weights = rng.integers(1, 5, 3000).astype(np.uint64)

    assert np.array_equal(
        multiset_hash(bits, valid, salts, weights), numpy_multiset_hash(bits, valid, salts, weights)
    )
