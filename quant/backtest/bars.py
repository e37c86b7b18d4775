"""Bars at the engine's edge: a polars frame (bar schema, one or many symbols) -> aligned arrays.

Symbols are aligned on the union of their timestamps; a symbol without a bar at a timestamp
gets NaN there (the simulator skips it: no fills, no decision, position marked at its last
close). Symbols are ordered alphabetically; column j of every array is ``symbols[j]``.

Extra input columns: any other float column of the frame (outside the bar schema, e.g. a
model's hedge ratio in ``pairs_1d``) is aligned the same way into ``BarArrays.extra`` and
offered to the strategy's ``features`` under its name next to the OHLCV columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from quant.errors import QuantError

if TYPE_CHECKING:  # polars loads lazily: a run on BarArrays never imports it
    import polars as pl

PRICE_COLUMNS = ("open", "high", "low", "close", "volume")
#: Bar-schema columns that are never extra strategy inputs.
_NOT_EXTRA = frozenset(("symbol", "ts", "_ns", "timeframe", "adj_close", *PRICE_COLUMNS))


class BarsError(QuantError):
    """The bars handed to the engine are empty or miss required columns."""


@dataclass(frozen=True)
class BarArrays:
    """OHLCV as float64[n_bars, n_symbols] C arrays plus ``ts`` int64 ns UTC."""

    ts: np.ndarray
    symbols: tuple[str, ...]
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    extra: Mapping[str, np.ndarray] = field(default_factory=dict)  # name -> float64[n, S]

    @property
    def shape(self) -> tuple[int, int]:
        """(n_bars, n_symbols)."""
        return self.close.shape

    def columns(self) -> dict[str, np.ndarray]:
        """Every symbol's columns at once: name -> float64[n, S] (OHLCV, then the extras)."""
        return {c: getattr(self, c) for c in PRICE_COLUMNS} | dict(self.extra)

    def column(self, j: int) -> Mapping[str, np.ndarray]:
        """One symbol's 1-D OHLCV arrays (NaN where it has no bar), copied only when read."""
        return _Column(self, j)


class _Column(Mapping[str, np.ndarray]):
    """Lazy view of one symbol's columns: a strategy reading only ``close`` copies only it
    (once: the engine and the strategy share the copy)."""

    def __init__(self, bars: BarArrays, j: int) -> None:
        self._bars, self._j, self._cache = bars, j, {}

    def __getitem__(self, key: str) -> np.ndarray:
        col = self._cache.get(key)
        if col is None:
            if key in PRICE_COLUMNS:
                full = getattr(self._bars, key)
            elif key in self._bars.extra:
                full = self._bars.extra[key]
            else:
                raise KeyError(key)
            col = self._cache[key] = np.ascontiguousarray(full[:, self._j])
        return col

    def __iter__(self) -> Iterator[str]:
        return iter((*PRICE_COLUMNS, *self._bars.extra))

    def __len__(self) -> int:
        return len(PRICE_COLUMNS) + len(self._bars.extra)


def from_arrays(
    ts: np.ndarray,
    close: np.ndarray,
    open: np.ndarray | None = None,
    high: np.ndarray | None = None,
    low: np.ndarray | None = None,
    volume: np.ndarray | None = None,
    symbols: tuple[str, ...] | None = None,
) -> BarArrays:
    """Build ``BarArrays`` from 1-D (one symbol) or 2-D arrays; missing OHLC default to close."""
    c = np.asarray(close, dtype=np.float64)
    c2 = c.reshape(-1, 1) if c.ndim == 1 else c

    def arr(x: np.ndarray | None, default: np.ndarray) -> np.ndarray:
        a = default if x is None else np.asarray(x, dtype=np.float64)
        return np.ascontiguousarray(a.reshape(c2.shape))

    n_sym = c2.shape[1]
    syms = symbols or tuple(f"S{j}" for j in range(n_sym))
    if len(syms) != n_sym or c2.shape[0] == 0:
        raise BarsError(f"need >= 1 bar and {n_sym} symbol names, got {len(syms)}")
    return BarArrays(
        ts=np.ascontiguousarray(np.asarray(ts, dtype=np.int64)),
        symbols=tuple(syms),
        open=arr(open, c2),
        high=arr(high, c2),
        low=arr(low, c2),
        close=arr(c2, c2),
        volume=arr(volume, np.full(c2.shape, np.inf)),
    )


def from_frame(df: pl.DataFrame) -> BarArrays:
    """Align a bar-schema frame (columns symbol, ts, open, high, low, close, volume)."""
    import polars as pl

    missing = [c for c in ("symbol", "ts", *PRICE_COLUMNS) if c not in df.columns]
    if missing:
        raise BarsError(f"bars miss columns {missing}")
    if df.height == 0:
        raise BarsError("no bars in the selected range")
    df = df.with_columns(pl.col("ts").dt.epoch("ns").alias("_ns")).sort("symbol", "_ns")
    symbols = tuple(sorted(df["symbol"].unique().to_list()))
    ts = np.unique(df["_ns"].to_numpy())
    n, k = len(ts), len(symbols)
    extra_cols = [
        c for c, t in df.schema.items() if c not in _NOT_EXTRA and t in (pl.Float64, pl.Float32)
    ]
    out = {c: np.full((n, k), np.nan) for c in (*PRICE_COLUMNS, *extra_cols)}
    for j, sym in enumerate(symbols):
        part = df.filter(pl.col("symbol") == sym)
        rows = np.searchsorted(ts, part["_ns"].to_numpy())
        for c in out:
            out[c][rows, j] = part[c].cast(pl.Float64).fill_null(np.nan).to_numpy()
    extra = {c: out.pop(c) for c in extra_cols}
    return BarArrays(ts=ts.astype(np.int64), symbols=symbols, **out, extra=extra)


class NoBarsError(QuantError):
    """The selected dataset version, symbols and dates hold no rows."""


def load_bars(
    store: Any,
    dataset: str,
    symbols: Sequence[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    *,
    version: int | None = None,
    tag: str | None = None,
) -> tuple[pl.DataFrame, int]:
    """Rows of one pinned dataset version for ``symbols`` (None = all) with ``start <= ts``
    and ``ts`` before the day after ``end`` (dates inclusive, UTC), and the version read.

    The one bars loader of ``quant backtest``, ``quant live replay`` and ``quant.research``;
    NoBarsError names the symbols missing from the selection.
    """
    import polars as pl

    v = store.resolve(dataset, version=version, tag=tag)
    lf = store.scan(dataset, version=v)
    if symbols is not None:
        lf = lf.filter(pl.col("symbol").is_in(list(symbols)))
    if start is not None:
        lf = lf.filter(pl.col("ts") >= _utc(start))
    if end is not None:
        lf = lf.filter(pl.col("ts") < _utc(end) + timedelta(days=1))
    df = lf.collect()
    found = set(df["symbol"].unique().to_list()) if "symbol" in df.columns else set()
    missing = sorted(set(symbols or ()) - found)
    if df.height == 0 or missing:
        what = ", ".join(missing or symbols or ["any symbol"])
        raise NoBarsError(f"{dataset} v{v} has no bars for {what} in the selected dates")
    return df, v


def _utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def save_arrays(bars: BarArrays, folder: str | Path) -> None:
    """Write ``bars`` to ``folder``: one ``.npy`` per array and ``bars.json`` (symbols, extras)."""
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    arrays = {"ts": bars.ts, **{c: getattr(bars, c) for c in PRICE_COLUMNS}}
    arrays |= {f"extra.{k}": v for k, v in bars.extra.items()}
    for name, arr in arrays.items():
        np.save(root / f"{name}.npy", np.ascontiguousarray(arr), allow_pickle=False)
    meta = {"symbols": list(bars.symbols), "extra": list(bars.extra)}
    (root / "bars.json").write_text(json.dumps(meta))


def load_arrays(folder: str | Path) -> BarArrays:
    """Bars written by ``save_arrays``, memory-mapped copy-on-write (processes share the pages)."""
    root = Path(folder)
    meta = json.loads((root / "bars.json").read_text())

    def read(name: str) -> np.ndarray:
        return np.asarray(np.load(root / f"{name}.npy", mmap_mode="c", allow_pickle=False))

    cols = {c: read(c) for c in PRICE_COLUMNS}
    extra = {k: read(f"extra.{k}") for k in meta["extra"]}
    return BarArrays(ts=read("ts"), symbols=tuple(meta["symbols"]), **cols, extra=extra)
