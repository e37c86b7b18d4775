"""Feature declarations: one list of indicator specs gives a strategy both feature forms.

A strategy declares its features once, as a function of its Params returning a tuple of
:class:`Indicator` (kernel name, bar column, window). :func:`derive_features` turns that
declaration into

* ``features(bars, p) -> float64[n, K]``: the batch form, the existing public indicator
  wrappers (each a loop over the kernel's ``*_step``), column k = spec k;
* ``features_init(p, n_symbols) -> float64[S, W]``: the streaming state, every spec's
  ``*_init`` state packed flat (scalars first, then the ring buffer) per symbol;
* ``features_step(p, state, bar_rows) -> float64[S, K]``: one new bar per symbol
  (``bar_rows`` float64[S, 5] open, high, low, close, volume; a NaN close = no bar, the
  state is left unchanged and the features are NaN); one compiled call, O(1) per bar.

The streaming step unpacks each spec's state tuple from the flat row, calls the very
``*_step`` the batch kernel loops over, and writes the tuple back, so both forms agree bit
for bit (``tests/core/test_streaming.py``). The flat state is a plain float64 array (ints
< 2^53 stored exactly), so the live driver persists it without pickle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
from numba import prange

from quant.core.indicators import ema, rolling_std, rsi, sma, zscore
from quant.core.indicators.inputs import IndicatorInputError
from quant.core.indicators.momentum import rsi_2d, rsi_init, rsi_step
from quant.core.indicators.moving import ema_2d, ema_init, ema_step, sma_2d, sma_init, sma_step
from quant.core.indicators.volatility import (
    moments_init,
    rolling_std_2d,
    rolling_std_step,
    zscore_2d,
    zscore_step,
)
from quant.core.jit import njit

COLUMNS = ("open", "high", "low", "close", "volume")
K_VALUE, K_SMA, K_EMA, K_RSI, K_STD, K_ZSCORE = 0, 1, 2, 3, 4, 5
#: kernel name -> (id, batch wrapper, init, 2-D kernel ``f(x[n, S] F, n, out[n, S] F)``
#: parallel over symbols); "value" is the column itself.
KERNELS: dict[str, tuple[int, Any, Any, Any]] = {
    "value": (K_VALUE, None, None, None),
    "sma": (K_SMA, sma, sma_init, sma_2d),
    "ema": (K_EMA, ema, ema_init, ema_2d),
    "rsi": (K_RSI, rsi, rsi_init, rsi_2d),
    "rolling_std": (K_STD, rolling_std, moments_init, rolling_std_2d),
    "zscore": (K_ZSCORE, zscore, moments_init, zscore_2d),
}


class Indicator(NamedTuple):
    """One feature column: ``kernel`` applied to bar ``column`` over ``n`` bars."""

    kernel: str
    column: str = "close"
    n: int = 0


Specs = Callable[[Any], tuple[Indicator, ...]]


def _checked(specs: tuple[Indicator, ...]) -> tuple[Indicator, ...]:
    if not specs:
        raise IndicatorInputError("a feature declaration needs at least one Indicator")
    for ind in specs:
        if ind.kernel not in KERNELS:
            raise IndicatorInputError(
                f"unknown kernel {ind.kernel!r}; streaming kernels: {', '.join(KERNELS)}"
            )
        if ind.column not in COLUMNS:
            raise IndicatorInputError(f"unknown bar column {ind.column!r}; want one of {COLUMNS}")
        if ind.kernel != "value" and (isinstance(ind.n, bool) or int(ind.n) < 1):
            raise IndicatorInputError(f"{ind.kernel}: n must be an integer >= 1, got {ind.n!r}")
    return tuple(specs)


def _packed(ind: Indicator) -> np.ndarray:
    """The kernel's init state as a flat float64 row: scalars in tuple order, then the buffer."""
    init = KERNELS[ind.kernel][2]
    if init is None:
        return np.zeros(0)
    scalars: list[float] = []
    buf = np.zeros(0)
    for item in init(int(ind.n)):
        if isinstance(item, np.ndarray):
            buf = item
        else:
            scalars.append(float(item))
    return np.concatenate((np.array(scalars), buf))


@lru_cache(maxsize=64)
def _layout(specs: tuple[Indicator, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(table int64[K, 4] of kernel id, column, state offset, n; packed init row float64[W])."""
    rows, parts, off = [], [], 0
    for ind in _checked(specs):
        packed = _packed(ind)
        rows.append((KERNELS[ind.kernel][0], COLUMNS.index(ind.column), off, int(ind.n)))
        parts.append(packed)
        off += packed.size
    table = np.array(rows, dtype=np.int64).reshape(-1, 4)
    table.flags.writeable = False
    return table, np.concatenate(parts) if parts else np.zeros(0)


@njit
def _sma_flat(st: np.ndarray, off: int, n: int, x: float) -> float:
    buf = st[off + 4 : off + 4 + n]
    state = (buf, int(st[off]), int(st[off + 1]), st[off + 2], int(st[off + 3]))
    state, v = sma_step(state, x)
    st[off], st[off + 1], st[off + 2], st[off + 3] = state[1], state[2], state[3], state[4]
    return v


@njit
def _ema_flat(st: np.ndarray, off: int, x: float) -> float:
    state = (int(st[off]), st[off + 1], int(st[off + 2]), st[off + 3], st[off + 4])
    state, v = ema_step(state, x)
    st[off + 2], st[off + 3], st[off + 4] = state[2], state[3], state[4]
    return v


@njit
def _rsi_flat(st: np.ndarray, off: int, x: float) -> float:
    state = (int(st[off]), int(st[off + 1]), st[off + 2], st[off + 3], st[off + 4])
    state, v = rsi_step(state, x)
    st[off + 1], st[off + 2], st[off + 3], st[off + 4] = state[1], state[2], state[3], state[4]
    return v


@njit
def _moments_state(st: np.ndarray, off: int, n: int) -> tuple:
    buf = st[off + 11 : off + 11 + n]
    return (
        buf, int(st[off]), int(st[off + 1]), st[off + 2], int(st[off + 3]), st[off + 4],
        st[off + 5], st[off + 6], st[off + 7], int(st[off + 8]), int(st[off + 9]),
        st[off + 10],
    )  # fmt: skip


@njit
def _moments_store(st: np.ndarray, off: int, state: tuple) -> None:
    st[off], st[off + 1], st[off + 2], st[off + 3] = state[1], state[2], state[3], state[4]
    st[off + 4], st[off + 5], st[off + 6], st[off + 7] = state[5], state[6], state[7], state[8]
    st[off + 8], st[off + 9], st[off + 10] = state[9], state[10], state[11]


@njit
def _std_flat(st: np.ndarray, off: int, n: int, x: float) -> float:
    state, v = rolling_std_step(_moments_state(st, off, n), x)
    _moments_store(st, off, state)
    return v


@njit
def _zscore_flat(st: np.ndarray, off: int, n: int, x: float) -> float:
    state, v = zscore_step(_moments_state(st, off, n), x)
    _moments_store(st, off, state)
    return v


@njit
def stream_step(table: np.ndarray, state: np.ndarray, bar_rows: np.ndarray, out: np.ndarray):
    """Feed one bar per symbol (``bar_rows[S, 5]``) to every spec; features into ``out[S, K]``."""
    for s in range(state.shape[0]):
        st = state[s]
        missing = np.isnan(bar_rows[s, 3])
        for i in range(table.shape[0]):
            if missing:
                out[s, i] = np.nan
                continue
            kid, off, n = table[i, 0], table[i, 2], table[i, 3]
            x = bar_rows[s, table[i, 1]]
            if kid == K_VALUE:
                v = x
            elif kid == K_SMA:
                v = _sma_flat(st, off, n, x)
            elif kid == K_EMA:
                v = _ema_flat(st, off, x)
            elif kid == K_RSI:
                v = _rsi_flat(st, off, x)
            elif kid == K_STD:
                v = _std_flat(st, off, n, x)
            else:
                v = _zscore_flat(st, off, n, x)
            out[s, i] = v
    return out


def batch_features(specs: tuple[Indicator, ...], bars: Mapping[str, np.ndarray]) -> np.ndarray:
    """float64[n, K]: each spec's batch indicator over one symbol's bar columns."""
    cols = []
    for ind in _checked(specs):
        x = np.asarray(bars[ind.column], dtype=np.float64)
        fn = KERNELS[ind.kernel][1]
        cols.append(x.copy() if fn is None else fn(x, int(ind.n)))
    return np.ascontiguousarray(np.column_stack(cols))


def panel_features(specs: tuple[Indicator, ...], bars: Mapping[str, np.ndarray]) -> np.ndarray:
    """float64[n, S, K]: :func:`batch_features` of every symbol, in the simulator's layout.

    ``bars`` columns are float64[n, S] with a bar for every symbol at every row (no gaps to
    skip). Each column read is transposed once to float64[S, n] (every symbol contiguous).
    With S x K <= 8 (one bar's features fit a cache line) each symbol goes through the 1-D
    kernels and every result is written straight into [n, S, K]. Otherwise each spec's 2-D
    kernel computes all symbols on all cores into float64[K, S, n], interleaved into
    [n, S, K] in one pass over tiles of bars (a write per symbol and feature straight into
    [n, S, K] would touch every cache line S x K times). Column s equals ``batch_features``
    of symbol s alone, bit for bit: the 2-D kernels run the 1-D kernel on each column.
    Arrays are allocated by numpy (transparent huge pages, see ``indicators.inputs.outputs``).
    """
    specs = _checked(specs)
    n, n_sym = np.shape(bars["close"])
    n_k = len(specs)
    direct = n_sym * n_k <= 8
    rows: dict[str, np.ndarray] = {}  # column name -> float64[S, n], each symbol contiguous
    out = np.empty((n, n_sym, n_k) if direct else (n_k, n_sym, n))
    for k, ind in enumerate(specs):
        x = rows.get(ind.column)
        if x is None:
            col = np.ascontiguousarray(bars[ind.column], np.float64)
            if n_sym == 1:
                x = col.reshape(1, n)
            else:
                x = _symbol_rows(col, np.empty((n_sym, n)), _tile_rows(n_sym))
            rows[ind.column] = x
        if direct:
            fn = KERNELS[ind.kernel][1]
            for j in range(n_sym):
                out[:, j, k] = x[j] if fn is None else fn(x[j], int(ind.n))
        elif (kernel_2d := KERNELS[ind.kernel][3]) is None:
            out[k] = x
        else:
            kernel_2d(x.T, int(ind.n), out[k].T)
    if direct:
        return out
    return _interleave(out, np.empty((n, n_sym, n_k)), _tile_rows(n_sym * n_k))


def _tile_rows(width: int) -> int:
    """Bars per tile of a transpose with ``width`` float64 per bar: about 256 KiB a tile."""
    return max(8, 32768 // width)


@njit(parallel=True)
def _symbol_rows(x: np.ndarray, out: np.ndarray, tile: int) -> np.ndarray:
    """``out`` float64[S, n] = float64[n, S] ``x`` transposed, tiles of bars on all cores, so
    every cache line of ``x`` is read once (numpy's copy of ``x.T`` reads each S times)."""
    n, n_sym = x.shape
    for b in prange((n + tile - 1) // tile):
        t0 = b * tile
        t1 = min(t0 + tile, n)
        for j in range(n_sym):
            for t in range(t0, t1):
                out[j, t] = x[t, j]
    return out


@njit(parallel=True)
def _interleave(feats: np.ndarray, out: np.ndarray, tile: int) -> np.ndarray:
    """``out[t, s, k] = feats[k, s, t]``: tiles of bars on all cores, each tile's rows of
    ``out`` written while they are in cache."""
    n_k, n_sym, n = feats.shape
    for b in prange((n + tile - 1) // tile):
        t0 = b * tile
        t1 = min(t0 + tile, n)
        for k in range(n_k):
            for j in range(n_sym):
                for t in range(t0, t1):
                    out[t, j, k] = feats[k, j, t]
    return out


def stream_init(specs: tuple[Indicator, ...], n_symbols: int) -> np.ndarray:
    """float64[S, W]: every symbol's fresh streaming state (the specs' init states, flat)."""
    row = _layout(tuple(specs))[1]
    return np.ascontiguousarray(np.tile(row, (n_symbols, 1)).reshape(n_symbols, -1))


def stream_features(
    specs: tuple[Indicator, ...], state: np.ndarray, bar_rows: np.ndarray
) -> np.ndarray:
    """float64[S, K]: the features of one new bar per symbol; advances ``state`` in place.

    Refuses a state whose width is not these specs' (a snapshot written by other
    parameters or another version of the kernels' state layout): reading it would mix
    up its fields.
    """
    table, packed = _layout(tuple(specs))
    if state.ndim != 2 or state.shape[1] != packed.size:
        raise IndicatorInputError(
            f"streaming feature state has shape {state.shape}, these indicators need "
            f"(symbols, {packed.size}): it was written by other parameters or another "
            "version of the code; start the strategy's state afresh"
        )
    rows = np.ascontiguousarray(bar_rows, dtype=np.float64)
    out = np.empty((state.shape[0], table.shape[0]))
    return stream_step(table, state, rows, out)


def derive_features(specs: Specs) -> tuple[Callable, Callable, Callable]:
    """``(features, features_init, features_step)`` of a strategy from its one declaration.

    ``specs(p)`` returns the strategy's tuple of :class:`Indicator`; see the module docstring
    for the three functions' signatures.
    """

    def features(bars: Mapping[str, np.ndarray], p: Any) -> np.ndarray:
        """float64[n, K]: the declared indicators over one symbol's bars (batch form)."""
        return batch_features(specs(p), bars)

    def features_init(p: Any, n_symbols: int) -> np.ndarray:
        """float64[S, W]: fresh streaming feature state for ``n_symbols`` symbols."""
        return stream_init(specs(p), n_symbols)

    def features_step(p: Any, state: np.ndarray, bar_rows: np.ndarray) -> np.ndarray:
        """float64[S, K]: features of one new bar per symbol (streaming form, in-place state)."""
        return stream_features(specs(p), state, bar_rows)

    return features, features_init, features_step
