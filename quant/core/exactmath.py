"""Correctly rounded floating-point primitives that numba does not expose.

``fma(a, b, c)`` is ``a * b + c`` rounded once (IEEE 754 fused multiply-add): compiled, it
is LLVM's ``llvm.fma.f64``, one ``vfmadd`` instruction on CPUs with FMA (and an exact
libm call elsewhere), so its result is the same on every machine; it is never the
contraction ``fastmath`` would apply behind the code's back. With ``QUANT_DISABLE_JIT``
it is computed exactly in rationals and rounded once, the same value.
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction
from typing import Any

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from quant.core.jit import DISABLED


def _fma_py(a: float, b: float, c: float) -> float:
    """a * b + c with one rounding, in plain Python (exact rational arithmetic)."""
    if not (math.isfinite(a) and math.isfinite(b) and math.isfinite(c)):
        return a * b + c  # inf/NaN: the single-rounding question does not arise
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    if exact == 0:
        return a * b + c  # keeps IEEE's sign of an exact zero
    try:
        return float(exact)  # int / int true division: correctly rounded
    except OverflowError:  # beyond the largest double: inf from halfway to 2**1024 on
        big = math.inf if abs(exact) >= 2**1024 - 2**970 else sys.float_info.max
        return -big if exact < 0 else big


@intrinsic
def _fma_llvm(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
    """numba intrinsic: ``llvm.fma.f64(a, b, c)``."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        f64 = ir.DoubleType()
        fnty = ir.FunctionType(f64, [f64, f64, f64])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.fma.f64")
        return builder.call(fn, args)  # numba has cast the arguments to float64

    return sig, codegen


fma = _fma_py if DISABLED else _fma_llvm
