"""The one JIT shim every kernel imports its decorator from.

``QUANT_DISABLE_JIT=1`` runs kernels as plain Python (debugging, coverage); otherwise
kernels are compiled with ``cache=True`` so a fresh process loads machine code from disk
instead of recompiling. ``fastmath`` is never enabled: it would change NaN handling,
which the kernels document and rely on.

Where the compiled kernels live: ``<base>/<code key>``, with ``<base>`` from
``NUMBA_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/quant/numba`` (``~/.cache/quant/numba``),
and ``<code key>`` a hash of every ``.py`` file of the ``quant`` package and the
project's ``strategies/`` folder plus the numba and Python versions. numba alone keys a
kernel's cache on its own file's timestamp, so editing a function that a kernel calls
from another file (a fill rule, a risk limit) would leave the caller's stale machine code
in use; a new key per code version rules that out. Old keys are never read again and
can be deleted (``rm -rf ~/.cache/quant/numba``).

Kernels built by a factory (the simulator specialised on a strategy, ``njit_closure``)
capture compiled functions; numba keys such a closure's cache entry on a pickle of what it
captures, which differs in every process, so it would never be served from disk. Their
entries are keyed instead on a name the factory gives (plus, as for every kernel, the code
key above).
"""

from __future__ import annotations

import hashlib
import inspect
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numba
from numba.core import types
from numba.core.caching import FunctionCache
from numba.core.registry import CPUDispatcher

F = TypeVar("F", bound=Callable[..., Any])

DISABLED = os.environ.get("QUANT_DISABLE_JIT", "") not in ("", "0")
PACKAGE = Path(__file__).resolve().parents[1]  # quant/
SOURCES = (PACKAGE, PACKAGE.parent / "strategies")


def code_key(roots: tuple[Path, ...] = SOURCES) -> str:
    """16 hex digits naming this version of the kernels' code (sources + numba + Python)."""
    h = hashlib.blake2b(digest_size=8)
    h.update(f"{numba.__version__}|{sys.version_info[:2]}".encode())
    for root in roots:
        for path in sorted(root.rglob("*.py")) if root.is_dir() else ():
            h.update(str(path.relative_to(root.parent)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def cache_dir() -> Path:
    """The folder numba's compiled kernels are written to and loaded from (see module doc)."""
    base = os.environ.get("NUMBA_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "quant" / "numba"
    )
    return Path(base) / code_key()


if not DISABLED:
    # read by numba when each @njit(cache=True) function is decorated, so set before any is
    numba.config.CACHE_DIR = str(cache_dir())


class _KeyedCache(FunctionCache):
    """numba's on-disk cache with the closure part of the index key replaced by ``key``."""

    def __init__(self, py_func: Callable[..., Any], key: str) -> None:
        super().__init__(py_func)
        self._key = key

    def _index_key(self, sig: Any, codegen: Any) -> tuple:
        code = hashlib.sha256(self._py_func.__code__.co_code).hexdigest()
        return (sig, codegen.magic_tuple(), (code, hashlib.sha256(self._key.encode()).hexdigest()))


def function_key(fn: Callable[..., Any]) -> str | None:
    """A name for a (compiled) function that is the same in every process: its module,
    qualified name and a hash of its source file (so a strategy outside ``SOURCES``, and the
    helpers in its file, count too); None when it has no source file (typed in a REPL)."""
    py = getattr(fn, "py_func", fn)
    try:
        src = Path(inspect.getfile(py)).read_bytes()
    except (OSError, TypeError):
        return None
    digest = hashlib.blake2b(src, digest_size=8).hexdigest()
    return f"{py.__module__}.{py.__qualname__}:{digest}"


def njit_closure(fn: F, key: str | None, signature: Any = None) -> F:
    """Compile a closure built by a factory, cached on disk under ``key`` (module doc).

    ``key`` must name everything the closure captures; None compiles it in memory only.
    With ``signature`` it is compiled for that signature only (on this call); without,
    lazily for the types it is called with.
    """
    if DISABLED:
        return fn
    disp = numba.njit(fn)
    if key is not None:
        disp._cache = _KeyedCache(disp.py_func, key)  # numba's own cache, our index key
    if signature is not None:
        disp.compile(signature)
        disp.disable_compile()
    return disp


class _Dispatcher(CPUDispatcher):
    """numba's CPU dispatcher, compiled once per argument types when a kernel calls it.

    numba types a constant argument of a call made inside a kernel as a literal
    (``Literal[int](2)``) and compiles the callee once per distinct constant: ``add_order``
    was compiled six times for one loop. Its machine code is the same either way once it is
    inlined into the caller, so calls from kernels are typed without the literals.
    """

    def get_call_template(self, args: Any, kws: Any) -> Any:
        args = tuple(types.unliteral(a) for a in args)
        kws = {k: types.unliteral(v) for k, v in kws.items()}
        return super().get_call_template(args, kws)


def _unliteral(disp: Any) -> Any:
    """``disp`` typed without literal arguments when a kernel calls it (:class:`_Dispatcher`)."""
    if type(disp) is CPUDispatcher:
        disp.__class__ = _Dispatcher
    return disp


def njit(*args: Any, **kwargs: Any) -> Any:
    """``numba.njit`` with ``cache=True``; identity when ``QUANT_DISABLE_JIT`` is set."""
    kwargs.setdefault("cache", True)
    kwargs.pop("fastmath", None)
    if DISABLED:
        if args and callable(args[0]):
            return args[0]
        return lambda f: f
    out = numba.njit(*args, **kwargs)
    if args and callable(args[0]):
        return _unliteral(out)
    return lambda f: _unliteral(out(f))
