"""Scaling curves: backtest and ingest time vs bars and vs symbols, rollback vs table size.

* backtest: ``run_backtest`` (sma_crossover 10/50, 0.1 % fees, fixed size) on the seeded
  market of :mod:`tests.bench.bench_backtest`, 1e4 ... 1e7 bars x 1 symbol and 10k bars x
  1 ... 500 symbols (median of 3 warm runs);
* ingest: ``quant.data.ingest.ingest`` of a generated canonical CSV, 1e4 ... 1e7 rows over
  4 symbols and 100k rows over 1 ... 500 symbols (one run each, fresh lake);
* rollback: ``DatasetStore.rollback`` at 10k and 10M rows (median of 5; metadata only, so
  it should be flat).

Prints a table per curve and, with ``QUANT_BENCH_PLOT=PATH``, draws all of them (log-log)
into PATH; ``docs/performance.md`` shows the last such run. Sizes shrink with
``QUANT_BENCH_QUICK=1``. Asserts only that every run produced its rows and trades.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from quant.backtest.config import BacktestConfig
from quant.backtest.engine import run_backtest
from quant.data import ingest
from quant.data.store import DatasetStore
from strategies import sma_crossover
from tests.bench.bench_backtest import market
from tests.bench.bench_store import bars as store_bars
from tests.data.generate import write_bars_csv

PLOT = os.environ.get("QUANT_BENCH_PLOT", "")  # read at import: tests/conftest.py clears QUANT_*
QUICK = os.environ.get("QUANT_BENCH_QUICK", "") not in ("", "0")
BARS = [10_000, 100_000, 1_000_000] if QUICK else [10_000, 100_000, 1_000_000, 10_000_000]
SYMBOLS = [1, 10, 100] if QUICK else [1, 10, 100, 500]
ROLLBACK_ROWS = [10_000, 1_000_000] if QUICK else [10_000, 10_000_000]
SYM_BARS = 10_000  # bars per symbol on the symbol axis of the backtest
SYM_ROWS = 100_000  # rows in all on the symbol axis of the ingest
CONFIG = BacktestConfig(
    cash=1e9, fees={"pct": 0.001}, slippage={"model": "none"}, sizing={"rule": "fixed", "value": 10}
)  # fmt: skip
PARAMS = {"fast": 10, "slow": 50}


def _median_s(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _backtest_s(n: int, k: int) -> float:
    bars = market(n, k)
    res = run_backtest(sma_crossover, bars, PARAMS, CONFIG)  # warm: cache load, first call
    assert len(res.trades) > 0
    return _median_s(lambda: run_backtest(sma_crossover, bars, PARAMS, CONFIG), runs=3)


def _symbols_csv(path: Path, rows: int, k: int) -> Path:
    """Canonical CSV of ``rows`` 1-minute bars spread over ``k`` symbols."""
    rng = np.random.default_rng(k)
    idx = np.arange(rows)
    close = np.round(100 + rng.normal(0, 0.5, rows).cumsum() * 0.01, 4)
    pl.DataFrame(
        {
            "symbol": np.array([f"S{j:03d}" for j in range(k)])[idx % k],
            "ts": np.datetime64("2000-01-01T00:00:00", "ns") + (idx // k) * np.timedelta64(60, "s"),
            "open": close,
            "high": close + 0.1,
            "low": close - 0.1,
            "close": close,
            "volume": rng.integers(0, 10_000, rows).astype(np.float64),
        }
    ).write_csv(path)
    return path


def _ingest_s(path: Path, lake: Path, rows: int) -> float:
    store = DatasetStore(lake, lock_timeout_s=600)
    t0 = time.perf_counter()
    [report] = ingest.ingest(store, str(path), "bars_1m")
    seconds = time.perf_counter() - t0
    assert report.rows_written == rows
    path.unlink()
    return seconds


def _rollback_s(n: int, root: Path) -> float:
    store = DatasetStore(root / f"rb{n}", lock_timeout_s=600)
    table = store_bars(n)
    store.overwrite("bench", table)
    vol = table.schema.get_field_index("volume")
    store.overwrite("bench", table.set_column(vol, "volume", pa.array(np.zeros(n))))
    flips = iter(range(100))
    return _median_s(lambda: store.rollback("bench", to=next(flips) % 2, reason="bench"), runs=5)


def _print(title: str, unit: str, points: list[tuple[int, float]], per: str, work) -> None:
    """One curve as a table: x, seconds and throughput (``work(x)`` units per second)."""
    print(f"\n{title}\n{unit:>12} {'seconds':>10} {per:>16}")
    for x, s in points:
        print(f"{x:>12,} {s:>10.3f} {work(x) / s:>16,.0f}")


def _plot(path: str, curves: dict[str, list[tuple[int, float]]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    panels = [
        ("time vs length", "bars or rows", ["backtest vs bars", "ingest vs rows"]),
        ("time vs symbols", "symbols", ["backtest vs symbols", "ingest vs symbols"]),
        ("rollback vs table size", "rows", ["rollback"]),
    ]  # fmt: skip
    for ax, (title, xlabel, names) in zip(axes, panels, strict=True):
        for name in names:
            xs, ys = zip(*curves[name], strict=True)
            ax.loglog(xs, ys, marker="o", label=name)
        ax.set(title=title, xlabel=xlabel, ylabel="seconds")
        if names == ["rollback"]:
            ax.set_ylim(1e-3, 1)  # a flat line reads as flat, not as a zoomed-in slope
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f"\nplot written to {path}")


def test_scaling_curves(tmp_path: Path) -> None:
    _ingest_s(write_bars_csv(tmp_path / "warm.csv", 1000), tmp_path / "warm", 1000)  # imports
    curves: dict[str, list[tuple[int, float]]] = {
        "backtest vs bars": [(n, _backtest_s(n, 1)) for n in BARS],
        "backtest vs symbols": [(k, _backtest_s(SYM_BARS, k)) for k in SYMBOLS],
        "ingest vs rows": [
            (n, _ingest_s(write_bars_csv(tmp_path / f"r{n}.csv", n), tmp_path / f"l{n}", n))
            for n in BARS
        ],
        "ingest vs symbols": [
            (
                k,
                _ingest_s(
                    _symbols_csv(tmp_path / f"s{k}.csv", SYM_ROWS, k), tmp_path / f"m{k}", SYM_ROWS
                ),
            )
            for k in SYMBOLS
        ],
        "rollback": [(n, _rollback_s(n, tmp_path)) for n in ROLLBACK_ROWS],
    }
    same = lambda x: x  # noqa: E731
    _print("backtest vs bars (1 symbol)", "bars", curves["backtest vs bars"], "bars/s", same)
    _print(f"backtest vs symbols ({SYM_BARS:,} bars each)", "symbols",
           curves["backtest vs symbols"], "bar-symbols/s", lambda k: k * SYM_BARS)  # fmt: skip
    _print("ingest vs rows (4 symbols)", "rows", curves["ingest vs rows"], "rows/s", same)
    _print(f"ingest vs symbols ({SYM_ROWS:,} rows in all)", "symbols",
           curves["ingest vs symbols"], "rows/s", lambda k: SYM_ROWS)  # fmt: skip
    _print("rollback vs table rows", "rows", curves["rollback"], "rows/s", same)
    if PLOT:
        _plot(PLOT, curves)
