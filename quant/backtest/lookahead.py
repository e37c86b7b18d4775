"""Lookahead guard: re-run a strategy on truncated histories; no past decision may change.

A causal strategy's decision at bar t depends on bars 0..t only, so the decisions of a run
over the first L bars equal, bit for bit (NaN equal to NaN), the first L decisions of the
run over all bars. The guard compares ``decisions(L)`` with ``decisions(n_bars)[:L]`` at
these truncation points L (no sampling of decision points):

* **every decision point**: for each bar t where the full run's decision changes (any
  symbol; NaN -> value counts, so each entry and exit), the history cut right after t
  (L = t + 1). A strategy that peeks one bar ahead changes its decision on the bar before
  the event it peeks at, so even a rare cheat (one bar in thousands) is met;
* **the last bar**: L = n_bars - 1;
* ``n_checks`` prefixes spread evenly from ``min_bars`` (plus a few short ones), which also
  see a leak that moves no decision of the full run.

With ``features`` (``prefix length -> float64[L, K] or [L, S, K]``) the features are compared
at the same points, and a leak names the first differing feature column. ``extra_check`` is
a seam for another causality proof run once alongside (e.g. streaming features equal to
batch features over every bar): a callable returning ``(what it checked, Leak or None)``.

The report says what was checked and how many points; a found leak names the first bar, the
symbol column, the decision or feature, both values and the truncation that revealed it.
``decisions`` is any callable ``prefix length -> float64[L] or float64[L, n_symbols]``; the
backtest wiring passes the engine's per-bar targets (``BacktestResult.targets``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from quant.errors import QuantError

Decisions = Callable[[int], np.ndarray]
Features = Callable[[int], np.ndarray]


class LookaheadError(QuantError):
    """The guard cannot run (too few bars, prefixes out of range, malformed decisions)."""


@dataclass(frozen=True)
class Leak:
    """One value that changed when the history was truncated."""

    bar: int  # the bar whose value changed
    symbol: int  # its symbol column
    what: str  # "decision" or "feature <k>"
    full: float  # the value with all bars (NaN = no decision)
    truncated: float  # the value with the history cut after ``prefix`` bars
    prefix: int | None  # the truncation (bars kept) that revealed it; None for an extra check
    check: str = "truncation"  # which check found it

    def to_dict(self) -> dict:
        """JSON-safe dict (NaN as None)."""
        return asdict(self) | {"full": _num(self.full), "truncated": _num(self.truncated)}


ExtraCheck = Callable[[], tuple[str, Leak | None]]


@dataclass(frozen=True)
class LookaheadReport:
    """Result of the guard: what was checked, and the first leak (if any)."""

    n_bars: int
    prefixes: list[int]  # every truncation point compared
    n_decision_points: int  # of which: bars where the full run's decision changes
    checked: str  # what was compared, in words
    leak: Leak | None = None  # the earliest leak (lowest bar, then shortest prefix)
    details: list[Leak] = field(default_factory=list)  # the first leak of each leaking point

    @property
    def ok(self) -> bool:
        """True when no check found a leak."""
        return self.leak is None

    @property
    def first_bar(self) -> int | None:
        """Earliest bar whose value changed under truncation."""
        return None if self.leak is None else self.leak.bar

    @property
    def symbol(self) -> int | None:
        """Symbol column of the first leak."""
        return None if self.leak is None else self.leak.symbol

    @property
    def prefix(self) -> int | None:
        """The truncation that revealed the first leak."""
        return None if self.leak is None else self.leak.prefix

    @property
    def full_value(self) -> float | None:
        """The first leak's value with all bars."""
        return None if self.leak is None else self.leak.full

    @property
    def truncated_value(self) -> float | None:
        """The first leak's value with the truncated history."""
        return None if self.leak is None else self.leak.truncated

    def verdict(self) -> str:
        """One honest sentence: what was found, or what was checked without finding anything."""
        if self.leak is None:
            return f"no lookahead found: {self.checked}"
        lk = self.leak
        where = (
            f"with the history cut after {lk.prefix} bar{'s' if lk.prefix != 1 else ''}"
            if lk.prefix is not None
            else f"by the {lk.check} check"
        )
        return (
            f"LOOKAHEAD: the {lk.what} at bar {lk.bar} (symbol column {lk.symbol}) is "
            f"{lk.full:g} with all {self.n_bars} bars but {lk.truncated:g} {where}"
        )

    def to_dict(self) -> dict:
        """JSON-safe dict; the leak fields appear only when a leak was found.

        The leak's symbol is ``symbol_column`` (a column index), so a caller's own ``symbol``
        (the traded ticker) is never overwritten.
        """
        out: dict = {
            "ok": self.ok,
            "n_bars": self.n_bars,
            "n_points": len(self.prefixes),
            "n_decision_points": self.n_decision_points,
            "checked": self.checked,
            "verdict": self.verdict(),
            "prefixes": list(self.prefixes),
        }
        if self.leak is not None:
            lk = self.leak.to_dict()
            out |= {
                "first_bar": lk["bar"],
                "symbol_column": lk["symbol"],
                "what": lk["what"],
                "prefix": lk["prefix"],
                "full_value": lk["full"],
                "truncated_value": lk["truncated"],
                "details": [d.to_dict() for d in self.details],
            }
        return out


def _num(v: float | None) -> float | None:
    return None if v is None or np.isnan(v) else float(v)


def default_prefixes(n_bars: int, n_checks: int = 8, min_bars: int = 2) -> list[int]:
    """Evenly spread prefix lengths: short ones plus ``n_checks`` spread up to ``n_bars - 1``."""
    if n_bars < min_bars + 1:
        raise LookaheadError(f"need at least {min_bars + 1} bars for the lookahead guard")
    spread = np.linspace(min_bars, n_bars - 1, n_checks).round().astype(int).tolist()
    short = [p for p in (min_bars, min_bars + 1, min_bars + 3) if p < n_bars]
    return sorted(set(short + spread))


def decision_points(full: np.ndarray) -> list[int]:
    """Bars where any symbol's decision differs from the bar before (NaN-aware; bar 0 vs NaN)."""
    d = np.asarray(full, dtype=np.float64)
    if d.ndim == 1:
        d = d[:, None]
    prev = np.vstack([np.full((1, d.shape[1]), np.nan), d[:-1]])
    same = (d == prev) | (np.isnan(d) & np.isnan(prev))
    return np.flatnonzero(~same.all(axis=1)).tolist()


def truncation_points(full: np.ndarray, n_checks: int = 8, min_bars: int = 2) -> list[int]:
    """Prefix lengths to compare: after every decision point, the last bar, a spread sample."""
    n = len(full)
    after = [t + 1 for t in decision_points(full) if t + 1 < n]
    return sorted(set(after) | {n - 1} | set(default_prefixes(n, n_checks, min_bars)))


def _as_2d(a: np.ndarray, rows: int, what: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != rows:
        raise LookaheadError(f"{what}: expected {rows} decision rows, got shape {arr.shape}")
    return arr


def _as_3d(a: np.ndarray, rows: int, what: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[:, None, :]
    if arr.ndim != 3 or arr.shape[0] != rows:
        raise LookaheadError(f"{what}: expected {rows} feature rows, got shape {arr.shape}")
    return arr


def first_difference(full: np.ndarray, truncated: np.ndarray) -> tuple[int, ...] | None:
    """Index (bar first) of the earliest cell where the two differ (NaN == NaN), or None."""
    differ = ~((full == truncated) | (np.isnan(full) & np.isnan(truncated)))
    if not differ.any():
        return None
    return tuple(int(i) for i in np.argwhere(differ)[0])  # argwhere is in C order: bar first


def check_lookahead(
    decisions: Decisions,
    n_bars: int,
    prefixes: Sequence[int] | None = None,
    n_checks: int = 8,
    min_bars: int = 2,
    features: Features | None = None,
    extra_check: ExtraCheck | None = None,
) -> LookaheadReport:
    """Compare decisions (and features) on truncated histories with the full run.

    ``prefixes`` replaces the default truncation points (``truncation_points``).
    """
    full = _as_2d(decisions(n_bars), n_bars, "full run")
    n_points = len(decision_points(full))
    plist = sorted(set(prefixes)) if prefixes else truncation_points(full, n_checks, min_bars)
    if any(p < 1 or p > n_bars for p in plist):
        raise LookaheadError(f"prefix lengths must lie in 1..{n_bars}, got {plist}")
    full_f = None if features is None else _as_3d(features(n_bars), n_bars, "full features")
    leaks: list[Leak] = []
    for p in plist:
        trunc = _as_2d(decisions(p), p, f"prefix {p}")
        if trunc.shape[1] != full.shape[1]:
            raise LookaheadError(f"prefix {p}: {trunc.shape[1]} symbols, full run {full.shape[1]}")
        diff = first_difference(full[:p], trunc)
        if diff is not None:
            bar, sym = diff
            leaks.append(Leak(bar, sym, "decision", full[bar, sym], trunc[bar, sym], p))
        if full_f is not None and features is not None:
            tf = _as_3d(features(p), p, f"features of prefix {p}")
            fd = first_difference(full_f[:p], tf)
            if fd is not None:
                bar, sym, k = fd
                leaks.append(
                    Leak(bar, sym, f"feature {k}", full_f[bar, sym, k], tf[bar, sym, k], p)
                )
    what = "decisions" + (" and features" if features is not None else "")
    checked = (
        f"{what} compared at {len(plist)} truncation points: after each of the "
        f"{n_points} bars where the full run's decision changes, the last bar, and an even "
        f"spread of {n_checks}"
        if not prefixes
        else f"{what} compared at {len(plist)} given truncation points"
    )
    if extra_check is not None:
        extra_what, extra_leak = extra_check()
        checked += f"; {extra_what}"
        if extra_leak is not None:
            leaks.append(extra_leak)
    first = min(leaks, key=lambda lk: (lk.bar, lk.prefix or 0), default=None)
    return LookaheadReport(n_bars, plist, n_points, checked, first, leaks)


def streaming_check(module: Any, bars: Any, params: Any) -> ExtraCheck | None:
    """The ``extra_check`` "streaming features == batch features over every bar".

    For a strategy with a streaming form (``features_init`` / ``features_step``, see
    ``quant.core.streaming``): per symbol, the batch ``features`` over its bars and the
    streaming step fed one bar at a time must agree bit for bit (NaN equal to NaN) on every
    bar; a difference is a leak of the batch form (or a streaming bug) at that bar. None for
    a strategy without a streaming form. ``bars`` is a ``BarArrays``.
    """
    if not hasattr(module, "features_step"):
        return None
    p = module.Params(**params) if isinstance(params, dict) else params

    def run() -> tuple[str, Leak | None]:
        first: Leak | None = None
        for j in range(len(bars.symbols)):
            col = bars.column(j)
            ok = ~np.isnan(np.asarray(col["close"]))
            own = {c: np.asarray(col[c])[ok] for c in ("open", "high", "low", "close", "volume")}
            batch = np.asarray(module.features(own, p), dtype=np.float64)
            rows = np.column_stack([own[c] for c in ("open", "high", "low", "close", "volume")])
            state = module.features_init(p, 1)
            stream = np.concatenate(
                [module.features_step(p, state, rows[t : t + 1]) for t in range(len(rows))]
            ).reshape(batch.shape)
            diff = first_difference(batch, stream)
            if diff is not None:
                i, k = diff
                bar = int(np.flatnonzero(ok)[i])
                leak = Leak(bar, j, f"feature {k}", batch[i, k], stream[i, k], None, "streaming")
                first = leak if first is None or leak.bar < first.bar else first
        return "streaming features equal to batch features over every bar", first

    return run
