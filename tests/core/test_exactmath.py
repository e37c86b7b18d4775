"""The compiled fused multiply-add and its plain-Python form round once, identically."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from quant.core.exactmath import _fma_py, fma
from quant.core.jit import njit


@njit
def _fma_compiled(a: float, b: float, c: float) -> float:
    return fma(a, b, c)


FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)


def test_fma_rounds_once_where_multiply_then_add_rounds_twice() -> None:
    # Arrange: (1 + 2^-30)^2 - 1 loses its 2^-60 term when the product is rounded first
    a, c = 1.0 + 2.0**-30, -1.0
    # Act / Assert
    assert a * a + c == 2.0**-29
    assert _fma_compiled(a, a, c) == 2.0**-29 + 2.0**-60
    assert _fma_py(a, a, c) == 2.0**-29 + 2.0**-60


@settings(max_examples=300, deadline=None)
@given(a=FINITE, b=FINITE, c=FINITE)
def test_compiled_and_python_fma_agree_bit_for_bit(a: float, b: float, c: float) -> None:
    # Act
    compiled, python = _fma_compiled(a, b, c), _fma_py(a, b, c)
    # Assert (NaN from inf - inf on overflow: compare the NaN-ness only)
    if np.isnan(compiled):
        assert np.isnan(python)
    else:
        assert np.float64(compiled).view(np.uint64) == np.float64(python).view(np.uint64)
