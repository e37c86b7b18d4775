"""Borrowed row views for the simulator's hot loop (no reference counting per bar).

``feats[t, s]`` and ``state[s]`` in numba build array views that hold a reference to their
parent (an atomic increment and decrement per view, twice per bar and symbol around the
strategy's ``decide`` call). The views below point into the same memory but carry no
reference: valid only while the parent array is alive, which the simulator guarantees
(the parents are its own arguments).
"""

from __future__ import annotations

import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from quant.core.jit import DISABLED

_ROW_T = types.Array(types.float64, 1, "C")


@intrinsic
def borrowed_row(typingctx, arr_t, first_t):
    """float64[::1] view of ``arr.ravel()[first : first + arr.shape[-1]]`` without a reference.

    ``arr`` must be a C-contiguous float64 array; ``first`` a flat element index.
    """
    if not (
        isinstance(arr_t, types.Array) and arr_t.dtype == types.float64 and arr_t.layout == "C"
    ):
        return None

    def codegen(context, builder, sig, args):
        arr, first = args
        src = context.make_array(sig.args[0])(context, builder, arr)
        dst = context.make_array(_ROW_T)(context, builder)
        first = context.cast(builder, first, sig.args[1], types.intp)
        width = cgutils.unpack_tuple(builder, src.shape)[-1]
        itemsize = context.get_constant(types.intp, 8)
        context.populate_array(
            dst,
            data=builder.gep(src.data, [first]),
            shape=[width],
            strides=[itemsize],
            itemsize=itemsize,
            meminfo=None,
        )
        return dst._getvalue()

    return _ROW_T(arr_t, types.intp), codegen


if DISABLED:  # plain-Python kernels (QUANT_DISABLE_JIT=1): an ordinary view

    def borrowed_row(arr: np.ndarray, first: int) -> np.ndarray:  # type: ignore[no-redef]
        """``arr.ravel()[first : first + arr.shape[-1]]`` (a numpy view)."""
        return arr.reshape(-1)[first : first + arr.shape[-1]]
