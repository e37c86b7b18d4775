import numpy as np
import pyarrow as pa

from quant.data.store.checksum import Checksum


def test_checksum_is_order_free_additive_and_sensitive_to_values_nulls_and_names():
    t = pa.table({"s": ["a", "b", None], "x": [1.0, None, -0.0], "n": [1, 2, 3]})

    whole = Checksum.of(t)

    assert whole == Checksum.of(t.take([2, 0, 1]))
    assert whole == Checksum.of(t.slice(0, 1)) + Checksum.of(t.slice(1))
    assert whole - Checksum.of(t.slice(1)) == Checksum.of(t.slice(0, 1))
    assert Checksum.parse(str(whole)) == whole
    assert Checksum.of(t.set_column(1, "x", pa.array([1.0, 0.0, 0.0]))) != whole
    assert Checksum.of(t.rename_columns(["s", "y", "n"])) != whole
    assert Checksum.of(t, np.array([2, 1, 1])) == whole + Checksum.of(t.slice(0, 1))
