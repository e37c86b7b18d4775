"""Walk-forward evaluation: optimise on rolling train windows, evaluate on the following test.

Windows are in bars: window k trains on ``[k·TEST, k·TEST + TRAIN)`` and tests on the next
``TEST`` bars (the last test window may be shorter, but holds at least two bars), so test
windows tile the history after the first TRAIN bars without overlapping.

The test evaluation runs the chosen parameters over ``[train_start, test_end)`` — the
indicators warm up on the training bars, as they would have in real time — and keeps only
the test part: its per-bar returns, exposure, the fills in test bars and the trades opened in
test bars. Stitching chains the test returns of all windows into one out-of-sample equity
curve starting at the initial capital of the runs; trade pnl and fill notional are rescaled
to the stitched curve's capital. The stitched metrics are ``compute_metrics`` of that curve.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np

from quant.backtest.evaluate import BarRange, EvaluationPool
from quant.backtest.metrics import Metrics, compute_metrics
from quant.backtest.search import SearchResult
from quant.errors import QuantError


class WalkForwardError(QuantError):
    """A walk-forward spec is malformed or does not fit the history."""


class Records(NamedTuple):
    """What a backtest leaves behind (bars relative to the first bar of the run)."""

    equity: np.ndarray
    ts: np.ndarray
    trades: np.ndarray
    fills: np.ndarray
    exposure: np.ndarray


class RecordsRunner(Protocol):
    """Runs a backtest in-process and returns its records (the test side of walk-forward)."""

    def records(self, params: dict[str, Any], bars: BarRange) -> Records:
        """Records of one run over the bar range ``[start, end)`` (None = all bars)."""
        ...


@dataclass(frozen=True)
class Window:
    """One train/test split, half-open bar ranges."""

    index: int
    train_start: int
    train_end: int
    test_start: int
    test_end: int


def parse_walk_forward(spec: str) -> tuple[int, int]:
    """``TRAIN:TEST`` (bar counts) as a pair of positive ints."""
    m = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*", spec)
    if not m or int(m.group(1)) < 2 or int(m.group(2)) < 2:
        raise WalkForwardError(f"walk-forward spec {spec!r} must be TRAIN:TEST with both >= 2")
    return int(m.group(1)), int(m.group(2))


def walk_forward_windows(n_bars: int, train: int, test: int) -> list[Window]:
    """Rolling windows over ``n_bars``; the last test window may be short (>= 2 bars)."""
    out: list[Window] = []
    k = 0
    while (test_start := k * test + train) + 2 <= n_bars:
        out.append(Window(k, k * test, test_start, test_start, min(test_start + test, n_bars)))
        k += 1
    if not out:
        raise WalkForwardError(
            f"{n_bars} bars cannot hold one window of {train} train + 2 test bars"
        )
    return out


@dataclass(frozen=True)
class WindowResult:
    """The search on one train window and the chosen parameters' test metrics."""

    window: Window
    search: SearchResult
    test_metrics: Metrics


@dataclass(frozen=True)
class WalkForwardResult:
    """Every window and the stitched out-of-sample metrics."""

    windows: list[WindowResult]
    stitched: Metrics
    stitched_equity: np.ndarray


Search = Callable[[EvaluationPool, BarRange], SearchResult]


def walk_forward(
    search: Search,
    pool: EvaluationPool,
    runner: RecordsRunner,
    windows: list[Window],
    periods_per_year: float | None = None,
) -> WalkForwardResult:
    """Optimise on each train window with ``search``, test the best, stitch the tests.

    ``periods_per_year`` None takes the engine's value from the first window's best metrics
    (falling back to 252).
    """
    results: list[WindowResult] = []
    parts: list[Records] = []
    capital: float | None = None
    for w in windows:
        found = search(pool, (w.train_start, w.train_end))
        if periods_per_year is None:
            periods_per_year = float(found.best.metrics.get("periods_per_year", 252.0))
        rec = runner.records(found.best.params, (w.train_start, w.test_end))
        capital = float(rec.equity[0]) if capital is None else capital
        part = oos_slice(rec, w.test_start - w.train_start)
        parts.append(part)
        test_m = compute_metrics(*part, periods_per_year=periods_per_year)
        results.append(WindowResult(w, found, test_m))
    stitched = stitch(parts, capital)
    ppy = periods_per_year or 252.0
    return WalkForwardResult(
        results, compute_metrics(*stitched, periods_per_year=ppy), stitched.equity
    )


def oos_slice(rec: Records, offset: int) -> Records:
    """The test slice of a run whose first ``offset`` bars were training (offset >= 1).

    Keeps the bar before the test as the starting point of the equity curve, the fills in
    test bars and the trades opened in test bars; bar numbers are rebased to that point.
    """
    start = offset - 1
    fills = rec.fills[rec.fills["bar"] >= offset].copy()
    fills["bar"] -= start
    trades = rec.trades[rec.trades["entry_bar"] >= offset].copy()
    trades["entry_bar"] -= start
    trades["exit_bar"] = np.where(trades["exit_bar"] >= 0, trades["exit_bar"] - start, -1)
    return Records(rec.equity[start:], rec.ts[start:], trades, fills, rec.exposure[start:])


def stitch(parts: list[Records], capital: float | None = None) -> Records:
    """Chain test slices (each starting at its pre-test bar) into one equity curve.

    The curve starts at ``capital`` (default: the first slice's starting equity).
    """
    start = float(parts[0].equity[0]) if capital is None else capital
    equity = [np.array([start])]
    ts, exposure = [parts[0].ts[:1]], [parts[0].exposure[:1]]
    trades, fills = [], []
    offset = 0
    for p in parts:
        scale = equity[-1][-1] / p.equity[0]
        growth = p.equity[1:] / p.equity[0]
        equity.append(equity[-1][-1] * growth)
        ts.append(p.ts[1:])
        exposure.append(p.exposure[1:])
        t, f = p.trades.copy(), p.fills.copy()
        t["pnl"] *= scale
        t["fees"] *= scale
        t["qty"] *= scale
        t["entry_bar"] += offset
        t["exit_bar"] = np.where(t["exit_bar"] >= 0, t["exit_bar"] + offset, -1)
        f["qty"] *= scale
        f["fee"] *= scale
        f["slippage"] *= scale
        f["bar"] += offset
        trades.append(t)
        fills.append(f)
        offset += len(p.equity) - 1
    return Records(
        np.concatenate(equity),
        np.concatenate(ts),
        np.concatenate(trades),
        np.concatenate(fills),
        np.concatenate(exposure),
    )
