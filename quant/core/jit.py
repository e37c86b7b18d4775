"""The one JIT shim every kernel imports its decorator from.

``QUANT_DISABLE_JIT=1`` runs kernels as plain Python (debugging, coverage); otherwise
kernels are compiled with ``cache=True`` so a fresh process loads machine code from
``__pycache__`` instead of recompiling. ``fastmath`` is never enabled: it would change
NaN handling, which the kernels document and rely on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import numba

F = TypeVar("F", bound=Callable[..., Any])

DISABLED = os.environ.get("QUANT_DISABLE_JIT", "") not in ("", "0")


def njit(*args: Any, **kwargs: Any) -> Any:
    """``numba.njit`` with ``cache=True``; identity when ``QUANT_DISABLE_JIT`` is set."""
    kwargs.setdefault("cache", True)
    kwargs.pop("fastmath", None)
    if DISABLED:
        if args and callable(args[0]):
            return args[0]
        return lambda f: f
    return numba.njit(*args, **kwargs)
