"""Lookahead guard: re-run a strategy on truncated histories; no past decision may change.

A causal strategy's decision at bar t depends on bars 0..t only, so the decisions of a run
over the first L bars equal, bit for bit (NaN equal to NaN), the first L decisions of the
run over all bars. The guard evaluates ``decisions(L)`` for several prefix lengths L and
compares them with ``decisions(n_bars)[:L]``; the report names the first bar (and symbol
column) where any prefix disagrees and the prefix length that revealed it. It is generic:
``decisions`` is any callable ``prefix length -> float64[L] or float64[L, n_symbols]``; the
backtest wiring passes the engine's per-bar targets (``BacktestResult.targets``).

The default prefixes are ``n_checks`` lengths spread evenly from ``min_bars`` to
``n_bars - 1`` plus a few short ones, so both an early and a late leak are seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from quant.errors import QuantError

Decisions = Callable[[int], np.ndarray]


class LookaheadError(QuantError):
    """The guard cannot run (too few bars, prefixes out of range, malformed decisions)."""


@dataclass(frozen=True)
class LookaheadReport:
    """Result of the guard: ok, or where a past decision changed."""

    n_bars: int
    prefixes: list[int]
    ok: bool
    first_bar: int | None = None  # earliest bar whose decision changed under truncation
    symbol: int | None = None  # its symbol column
    prefix: int | None = None  # the prefix length that revealed it
    full_value: float | None = None  # decision with all bars
    truncated_value: float | None = None  # decision with only the prefix
    details: list[dict] = field(default_factory=list)  # one entry per leaking prefix

    def to_dict(self) -> dict:
        """JSON-safe dict (NaN decisions as None)."""
        out = dict(self.__dict__)
        out["full_value"], out["truncated_value"] = (
            _num(self.full_value),
            _num(self.truncated_value),
        )
        out["details"] = [
            {**d, "full": _num(d["full"]), "truncated": _num(d["truncated"])} for d in self.details
        ]
        return out


def _num(v: float | None) -> float | None:
    return None if v is None or np.isnan(v) else float(v)


def default_prefixes(n_bars: int, n_checks: int = 8, min_bars: int = 2) -> list[int]:
    """Prefix lengths to test: short ones plus ``n_checks`` spread up to ``n_bars - 1``."""
    if n_bars < min_bars + 1:
        raise LookaheadError(f"need at least {min_bars + 1} bars for the lookahead guard")
    spread = np.linspace(min_bars, n_bars - 1, n_checks).round().astype(int).tolist()
    short = [p for p in (min_bars, min_bars + 1, min_bars + 3) if p < n_bars]
    return sorted(set(short + spread))


def _as_2d(a: np.ndarray, rows: int, what: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != rows:
        raise LookaheadError(f"{what}: expected {rows} decision rows, got shape {arr.shape}")
    return arr


def first_difference(full: np.ndarray, truncated: np.ndarray) -> tuple[int, int] | None:
    """(bar, symbol) of the earliest cell where the two differ (NaN == NaN), or None."""
    differ = ~((full == truncated) | (np.isnan(full) & np.isnan(truncated)))
    if not differ.any():
        return None
    bars, syms = np.nonzero(differ)
    first = int(np.argmin(bars))
    return int(bars[first]), int(syms[first])


def check_lookahead(
    decisions: Decisions,
    n_bars: int,
    prefixes: Sequence[int] | None = None,
    n_checks: int = 8,
    min_bars: int = 2,
) -> LookaheadReport:
    """Compare decisions on truncated histories with the full run; report the first change."""
    plist = sorted(set(prefixes)) if prefixes else default_prefixes(n_bars, n_checks, min_bars)
    if any(p < 1 or p > n_bars for p in plist):
        raise LookaheadError(f"prefix lengths must lie in 1..{n_bars}, got {plist}")
    full = _as_2d(decisions(n_bars), n_bars, "full run")
    leaks: list[dict] = []
    for p in plist:
        trunc = _as_2d(decisions(p), p, f"prefix {p}")
        if trunc.shape[1] != full.shape[1]:
            raise LookaheadError(f"prefix {p}: {trunc.shape[1]} symbols, full run {full.shape[1]}")
        diff = first_difference(full[:p], trunc)
        if diff is not None:
            bar, sym = diff
            leaks.append(
                {
                    "prefix": p,
                    "bar": bar,
                    "symbol": sym,
                    "full": float(full[bar, sym]),
                    "truncated": float(trunc[bar, sym]),
                }
            )
    if not leaks:
        return LookaheadReport(n_bars, plist, True)
    worst = min(leaks, key=lambda d: (d["bar"], d["prefix"]))
    return LookaheadReport(
        n_bars,
        plist,
        False,
        first_bar=worst["bar"],
        symbol=worst["symbol"],
        prefix=worst["prefix"],
        full_value=worst["full"],
        truncated_value=worst["truncated"],
        details=leaks,
    )
