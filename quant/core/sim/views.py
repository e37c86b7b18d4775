"""Borrowed views and cache hints for the simulator's hot loop (no reference counting per bar).

``feats[t, s]`` and ``state[s]`` in numba build array views that hold a reference to their
parent (an atomic increment and decrement per view, twice per bar and symbol around the
strategy's ``decide`` call). The views below point into the same memory but carry no
reference: valid only while the parent array is alive, which the simulator guarantees
(the parents are its own arguments). ``borrowed`` is the same for a whole array, and
``prefetch`` asks the CPU for a cache line the loop will need a few bars later.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
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


@intrinsic
def borrowed(typingctx, arr_t):
    """``arr`` itself, without a reference (helpers it is passed to count no references)."""
    if not isinstance(arr_t, types.Array):
        return None

    def codegen(context, builder, sig, args):
        src = context.make_array(sig.args[0])(context, builder, args[0])
        dst = context.make_array(sig.return_type)(context, builder)
        context.populate_array(
            dst,
            data=src.data,
            shape=src.shape,
            strides=src.strides,
            itemsize=src.itemsize,
            meminfo=None,
        )
        return dst._getvalue()

    return arr_t(arr_t), codegen


@intrinsic
def prefetch(typingctx, arr_t, index_t, write_t):
    """Hint the CPU to fetch the cache line of ``arr.ravel()[index]`` (``write``: for a store).

    Only a hint: it never faults, changes nothing and costs about one instruction; ``index``
    may run past the end (the caller need not clip it).
    """
    if not isinstance(arr_t, types.Array) or arr_t.layout != "C":
        return None
    if not isinstance(write_t, types.BooleanLiteral):
        return None
    rw = 1 if write_t.literal_value else 0

    def codegen(context, builder, sig, args):
        arr, index, _ = args
        src = context.make_array(sig.args[0])(context, builder, arr)
        index = context.cast(builder, index, sig.args[1], types.intp)
        raw = builder.bitcast(src.data, ir.PointerType(ir.IntType(8)))
        itemsize = context.get_abi_sizeof(context.get_data_type(arr_t.dtype))
        offset = builder.mul(index, context.get_constant(types.intp, itemsize))
        addr = builder.gep(raw, [offset])
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [raw.type, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [addr, i32(rw), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.none(arr_t, types.intp, write_t), codegen


@intrinsic
def unlikely(typingctx, cond_t):
    """``cond`` unchanged, marked as rarely true (the compiler lays the hot path out first)."""
    if not isinstance(cond_t, types.Boolean):
        return None

    def codegen(context, builder, sig, args):
        i1 = ir.IntType(1)
        fnty = ir.FunctionType(i1, [i1, i1])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.expect.i1")
        cond = context.cast(builder, args[0], sig.args[0], types.boolean)
        return builder.call(fn, [cond, i1(0)])

    return types.boolean(cond_t), codegen


if DISABLED:  # plain-Python kernels (QUANT_DISABLE_JIT=1): an ordinary view

    def borrowed_row(arr: np.ndarray, first: int) -> np.ndarray:  # type: ignore[no-redef]
        """``arr.ravel()[first : first + arr.shape[-1]]`` (a numpy view)."""
        return arr.reshape(-1)[first : first + arr.shape[-1]]

    def borrowed(arr: np.ndarray) -> np.ndarray:  # type: ignore[no-redef]
        """``arr`` itself."""
        return arr

    def prefetch(arr: np.ndarray, index: int, write: bool) -> None:  # type: ignore[no-redef]
        """Nothing (a cache hint)."""

    def unlikely(cond: bool) -> bool:  # type: ignore[no-redef]
        """``cond`` (a branch hint)."""
        return cond
