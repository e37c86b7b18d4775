"""Input checks and layout for the public indicator wrappers (plain Python, not numba).

The wrappers convert once, so each kernel compiles exactly one specialisation per shape:
1-D inputs become C-contiguous float64, 2-D inputs (bars x symbols) become
Fortran-ordered float64 so every symbol's column is contiguous in memory.
"""

from __future__ import annotations

import operator

import numpy as np
import numpy.typing as npt

from quant.core.errors import QuantError


class IndicatorInputError(QuantError):
    """An indicator was given an unusable array or parameter (names which one and why)."""


def series(x: npt.ArrayLike, name: str = "x") -> np.ndarray:
    """``x`` as float64: 1-D C-contiguous or 2-D (bars x symbols) Fortran-ordered."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise IndicatorInputError(f"{name}: not convertible to float64 ({exc})") from exc
    if arr.ndim == 1:
        return np.ascontiguousarray(arr)
    if arr.ndim == 2:
        return np.asfortranarray(arr)
    raise IndicatorInputError(
        f"{name}: expected a 1-D or 2-D (bars x symbols) array, got {arr.ndim}-D"
    )


def same_shape(**arrays: npt.ArrayLike) -> list[np.ndarray]:
    """Convert several inputs with :func:`series` and check they share one shape."""
    out = [series(a, name) for name, a in arrays.items()]
    shapes = {a.shape for a in out}
    if len(shapes) > 1:
        desc = ", ".join(f"{name}{a.shape}" for name, a in zip(arrays, out, strict=True))
        raise IndicatorInputError(f"inputs must have the same shape, got {desc}")
    return out


def period(name: str, value: object, minimum: int = 1) -> int:
    """Validate an integer window parameter (``bool`` and floats are refused)."""
    if isinstance(value, bool):
        raise IndicatorInputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    try:
        n = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise IndicatorInputError(
            f"{name} must be an integer >= {minimum}, got {value!r}"
        ) from None
    if n < minimum:
        raise IndicatorInputError(f"{name} must be an integer >= {minimum}, got {n}")
    return int(n)


def positive(name: str, value: object) -> float:
    """Validate a finite, non-negative float parameter."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise IndicatorInputError(f"{name} must be a finite number >= 0, got {value!r}") from None
    if not np.isfinite(v) or v < 0:
        raise IndicatorInputError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def outputs(like: np.ndarray, count: int = 1, dtype: type = np.float64) -> list[np.ndarray]:
    """``count`` uninitialised output arrays with the shape and memory order of ``like``.

    Outputs are allocated here by numpy, not inside the kernels: numpy asks the kernel for
    transparent huge pages on large arrays and numba's allocator does not, and filling
    fresh 4 KiB pages measured up to 10x slower than the indicator arithmetic itself.
    """
    return [np.empty_like(like, dtype=dtype) for _ in range(count)]
