"""Sweeps: parameter sets per second for a 1,000-point SMA grid vs vectorbt's broadcast.

The grid is sma_crossover ``fast=5:53:2`` x ``slow=60:255:5`` (25 x 40 = 1,000 points, all
with fast < slow) on ``SWEEP_BARS`` (default 50k) one-minute bars of one symbol, the market of
``bench_backtest`` (fixed size 10 units, 0.1 % fees, no slippage, decision at the close of
bar t filled at bar t+1's open). Ours is the optimiser's public API, ``run_optimization`` on
a lake holding the bars (bars read once, every grid point backtested with its full metrics),
with 1 and 2 workers; "simulation alone" is the compiled simulator over the grid with the
features prepared outside the clock. vectorbt builds every combination's entries/exits as
columns from ``vbt.MA.run`` with per-column windows (``ma_crossed_above/below``, in blocks
of ``SWEEP_BLOCK`` columns so the float MA outputs fit in memory), shifted one bar, then ONE
``Portfolio.from_signals`` over all 1,000 columns with ``price=open``. Medians of
``SWEEP_REPEAT`` (3) runs. Asserts only that final equity and trade counts agree on a sample
of grid points. Also: what a spawned optimiser worker pays before its first backtest, on
``SWEEP_WORKER_BARS`` (1M) bars.

Why 50k bars and not 1M: ``from_signals`` over 1,000 columns materialises its broadcast
inputs (close, price, size, fees, ...) as (bars x 1000) float64 arrays plus an int64 call
sequence of the same shape: at 200k bars the run was killed by the kernel's OOM killer at
15 GB resident on this 24 GiB machine shared with other jobs; 1M would need several times
that. Its order records are sized to the signal count (``max_orders``): the default, bars x
columns, would reserve 52 GB at 1M bars. Ours runs the same grid on 1M bars alone
(``test_optimiser_alone_on_the_worker_bars``).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from quant.backtest.bars import BarArrays
from quant.backtest.engine import new_account, new_book, run_backtest
from quant.backtest.evaluate import EvaluationPool
from quant.backtest.optimize import OptimizeRequest, run_optimization
from quant.backtest.runner import BacktestFactory, BarsRef
from quant.core.records import empty_fills, empty_orders, empty_trades
from quant.core.sim.loop import plan_for, specialised
from quant.data.store import DatasetStore
from strategies import sma_crossover
from tests.bench.bench_backtest import CASH, CONFIG, FEE, QTY, market
from tests.bench.bench_backtest import median_time as _median_time

N = int(os.environ.get("SWEEP_BARS", 50_000))  # vectorbt at 1M: see the module doc
N_WORKER = int(os.environ.get("SWEEP_WORKER_BARS", 1_000_000))
REPEAT = int(os.environ.get("SWEEP_REPEAT", 3))
BLOCK = int(os.environ.get("SWEEP_BLOCK", 100))
GRID = ("fast=5:53:2", "slow=60:255:5")
FASTS = list(range(5, 54, 2))
SLOWS = list(range(60, 256, 5))
POINTS = [(f, s) for f in FASTS for s in SLOWS]  # the optimiser's (lexicographic) order
SAMPLE = (0, 39, 333, 500, 777, 960, 999)  # grid points whose results are compared
DATASET, SYMBOL = "bars_1m", "S0"
pytestmark = pytest.mark.timeout(7200)  # a loaded 2-core machine needs more than the 600 s default


def median_time(fn, repeat: int = REPEAT) -> tuple[float, object]:
    """``bench_backtest.median_time`` with this bench's repeat count."""
    return _median_time(fn, repeat)


def write_lake(lake: Path, bars: BarArrays) -> None:
    """The bars as one symbol of a Delta dataset (the optimiser reads them by version)."""
    n = bars.shape[0]
    frame = pl.DataFrame(
        {
            "symbol": [SYMBOL] * n,
            "ts": pl.Series("ts", bars.ts).cast(pl.Datetime("ns", "UTC")),
            "open": bars.open[:, 0], "high": bars.high[:, 0], "low": bars.low[:, 0],
            "close": bars.close[:, 0], "volume": bars.volume[:, 0],
            "adj_close": pl.Series([None] * n, dtype=pl.Float64),
            "timeframe": ["1m"] * n,
        }
    )  # fmt: skip
    DatasetStore(lake).append(DATASET, frame, message="sweep bench bars")


def request(workers: int) -> OptimizeRequest:
    return OptimizeRequest(
        strategy="sma_crossover", symbol=SYMBOL, dataset=DATASET, version=0, grid=GRID,
        workers=workers, config=CONFIG.model_dump(mode="json"),
    )  # fmt: skip


def simulation_only(bars: BarArrays) -> float:
    """Seconds of the compiled simulator alone over the grid (features prepared off the clock):
    the loop specialised on sma_crossover and the config, as ``run_backtest`` runs it."""
    n = bars.shape[0]
    price = (bars.open, bars.high, bars.low, bars.close, bars.volume)
    stats = tuple(np.full((1, 1), np.nan) for _ in range(3))  # no sizing/slippage reads them
    day = np.ascontiguousarray(bars.ts // (86_400 * 10**9))
    cvec, costs = CONFIG.to_vector(), CONFIG.cost_matrix(bars.symbols)
    cap = 256 + n // 8
    sim = specialised(sma_crossover.decide, plan_for(cvec))
    total = 0.0
    for f, s in POINTS:
        p = sma_crossover.Params(fast=f, slow=s)
        feats = sma_crossover.features(bars.column(0), p).reshape(n, 1, 2)
        book_io = (empty_orders(cap), empty_fills(cap), empty_trades(cap), new_book(1),
                   new_account(CASH))  # fmt: skip
        out = (np.empty(n), np.empty(n), np.empty((n, 1)), np.zeros(n, dtype=np.int8))
        state = np.full((1, 2), np.nan)
        pvec = sma_crossover.params_array(p)
        t0 = time.perf_counter()
        stop = sim(None, price, stats, day, feats, pvec, state, cvec, costs, book_io, out)
        total += time.perf_counter() - t0
        assert stop < 0, "record room ran out: raise cap"
    return total


def vectorbt_signals(bars: BarArrays) -> tuple[np.ndarray, np.ndarray]:
    """Entries/exits (n, 1000) of every grid point from vbt.MA, shifted one bar (next open)."""
    import pandas as pd
    import vectorbt as vbt

    n, m = bars.shape[0], len(POINTS)
    close = pd.Series(bars.close[:, 0])
    ent = np.zeros((n, m), bool)
    ex = np.zeros((n, m), bool)
    for a in range(0, m, BLOCK):
        cols = POINTS[a : a + BLOCK]
        fast = vbt.MA.run(close, window=[f for f, _ in cols], short_name="fast")
        slow = vbt.MA.run(close, window=[s for _, s in cols], short_name="slow")
        b = a + len(cols)
        ent[1:, a:b] = fast.ma_crossed_above(slow).to_numpy()[:-1]
        ex[1:, a:b] = fast.ma_crossed_below(slow).to_numpy()[:-1]
    return ent, ex


def vectorbt_portfolio(bars: BarArrays, ent: np.ndarray, ex: np.ndarray):
    """ONE from_signals over all grid columns (fixed size, fees, fills at the open)."""
    import pandas as pd
    import vectorbt as vbt

    idx = pd.RangeIndex(bars.shape[0])
    return vbt.Portfolio.from_signals(
        pd.Series(bars.close[:, 0], index=idx), pd.DataFrame(ent, index=idx),
        pd.DataFrame(ex, index=idx), price=pd.Series(bars.open[:, 0], index=idx), size=QTY,
        size_type="amount", fees=FEE, init_cash=CASH, freq="1min",
        max_orders=int(ent.sum() + ex.sum()),  # at most one order per signal
    )  # fmt: skip


@pytest.fixture(scope="module")
def bars() -> BarArrays:
    return market(N, 1)


@pytest.fixture(scope="module")
def lake(tmp_path_factory, bars) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "lake"
    write_lake(path, bars)
    return path


@pytest.fixture(scope="module")
def worker_lake(tmp_path_factory, lake) -> Path:
    if N_WORKER == N:
        return lake
    path = tmp_path_factory.mktemp("sweep_worker") / "lake"
    write_lake(path, market(N_WORKER, 1))
    return path


def row(name: str, seconds: float, ref: float) -> str:
    return (f"{name:52s} {seconds:10.2f} {len(POINTS) / seconds:12.1f} "
            f"{len(POINTS) / seconds / ref:10.2f}x")  # fmt: skip


def test_sweep_against_vectorbt_broadcast(bars, lake, monkeypatch):
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)  # workers as on a user's machine
    print(f"\n== sma_crossover grid {GRID} ({len(POINTS)} points) on {N:,} bars x 1 symbol")
    run_backtest(sma_crossover, bars, {"fast": 5, "slow": 60}, CONFIG)  # numba cache, warm
    load0 = os.getloadavg()
    t_opt1, opt1 = median_time(lambda: run_optimization(lake, request(1)))
    t_opt2, opt2 = median_time(lambda: run_optimization(lake, request(2)))
    t_sim, _ = median_time(lambda: simulation_only(bars))
    vectorbt_portfolio(bars, *vectorbt_signals(bars))  # compile vectorbt's kernels
    t_sig, (ent, ex) = median_time(lambda: vectorbt_signals(bars))
    t_pf, pf = median_time(lambda: vectorbt_portfolio(bars, ent, ex))
    t_vbt = t_sig + t_pf
    vbt_rate = len(POINTS) / t_vbt
    print(f"load average before {load0}, after {os.getloadavg()}; medians of {REPEAT} runs")
    print(f"{'run':52s} {'median s':>10s} {'sets/s':>12s} {'vs vbt e2e':>11s}")
    print(row("quant run_optimization, 1 worker (end to end)", t_opt1, vbt_rate))
    print(row("quant run_optimization, 2 workers (end to end)", t_opt2, vbt_rate))
    print(row("quant simulator alone (features prepared)", t_sim, vbt_rate))
    print(row("vectorbt MA signals + from_signals (end to end)", t_vbt, vbt_rate))
    print(row("vectorbt from_signals alone (one call)", t_pf, vbt_rate))
    print(f"simulation alone, quant vs vectorbt: {t_pf / t_sim:.2f}x; end to end, 1 worker: "
          f"{t_vbt / t_opt1:.2f}x, 2 workers: {t_vbt / t_opt2:.2f}x")  # fmt: skip

    final = pf.final_value().to_numpy()
    trades = pf.trades.count().to_numpy()
    got1 = [c.metrics for c in opt1.search.candidates]
    got2 = [c.metrics for c in opt2.search.candidates]
    assert [c.params for c in opt1.search.candidates] == [{"fast": f, "slow": s} for f, s in POINTS]
    assert got1 == got2  # the worker count never changes a result
    for i in SAMPLE:
        f, s = POINTS[i]
        res = run_backtest(sma_crossover, bars, {"fast": f, "slow": s}, CONFIG)
        print(f"fast={f:3d} slow={s:3d}: equity quant {res.equity[-1]:.6f} vectorbt "
              f"{final[i]:.6f}; trades quant {len(res.trades)} vectorbt {trades[i]}")  # fmt: skip
        assert len(res.trades) == trades[i] == got1[i]["n_trades"]
        assert res.equity[-1] == pytest.approx(final[i], rel=1e-9)
        assert got1[i]["end_equity"] == res.equity[-1]


def worker_startup(lake: Path) -> dict[str, float]:
    """Seconds a spawned worker spends before and in its first backtests (see worker_probe)."""
    import multiprocessing as mp
    import tempfile

    from tests.bench import worker_probe

    factory = BacktestFactory("sma_crossover", BarsRef(str(lake), DATASET, 0, SYMBOL),
                              CONFIG.model_dump(mode="json"))  # fmt: skip
    params = [{"fast": 10, "slow": 60}, {"fast": 11, "slow": 60}]
    if hasattr(factory, "arrays"):
        factory.arrays()  # the parent's one load of the bars (run_optimization needs n_bars)
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        ship = factory.for_workers(folder) if hasattr(factory, "for_workers") else factory
        handoff = time.perf_counter() - t0
        ctx = mp.get_context("spawn")
        recv, send = ctx.Pipe(duplex=False)
        t0 = time.time()
        proc = ctx.Process(target=worker_probe.probe, args=(ship, send, params))
        proc.start()
        got = recv.recv()
        proc.join()
    return {
        "handoff": handoff,  # parent: bars written for the workers (0 when they read the lake)
        "boot": got["start"] - t0,  # interpreter + main script + the factory's module imports
        "build": got["built"] - got["start"],  # evaluator built: bars loaded, strategy resolved
        "first": got["first"] - got["built"],  # first backtest: numba cache load + one run
        "steady": got["second"] - got["first"],  # a warm backtest, for reference
    }


def pool_first_batch(lake: Path, workers: int) -> float:
    """Seconds from opening an EvaluationPool to the metrics of one point per worker."""
    factory = BacktestFactory("sma_crossover", BarsRef(str(lake), DATASET, 0, SYMBOL),
                              CONFIG.model_dump(mode="json"))  # fmt: skip
    batch = [{"fast": 10 + i, "slow": 60} for i in range(workers)]
    t0 = time.perf_counter()
    with EvaluationPool(factory, workers) as pool:
        pool.evaluate(batch)
        return time.perf_counter() - t0


def test_spawned_worker_startup(worker_lake, monkeypatch):
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)  # workers as on a user's machine
    parts = ("handoff", "boot", "build", "first", "steady")
    runs = [worker_startup(worker_lake) for _ in range(REPEAT)]
    med = {k: statistics.median(r[k] for r in runs) for k in parts}
    pool1 = statistics.median(pool_first_batch(worker_lake, 1) for _ in range(REPEAT))
    pool2 = statistics.median(pool_first_batch(worker_lake, 2) for _ in range(REPEAT))
    print(f"\n== a spawned optimiser worker on {N_WORKER:,} bars, seconds (medians of {REPEAT}); "
          f"load average {os.getloadavg()}")  # fmt: skip
    print("".join(f"{k:>10s}" for k in (*parts, "total")))
    total = sum(med[k] for k in ("boot", "build", "first"))
    print("".join(f"{med[k]:10.2f}" for k in parts) + f"{total:10.2f}")
    print(f"pool open -> first batch (one point per worker): 1 worker (in-process) {pool1:.2f}s, "
          f"2 spawned workers {pool2:.2f}s")  # fmt: skip
    assert med["steady"] > 0


def test_optimiser_alone_on_the_worker_bars(worker_lake, monkeypatch):
    """Ours only on SWEEP_WORKER_BARS (1M) bars, where vectorbt's broadcast does not fit."""
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    if N_WORKER == N:
        pytest.skip("same bars as the vectorbt comparison")
    times = {w: time.perf_counter() for w in (1, 2)}
    found = {}
    for w in times:
        t0 = time.perf_counter()
        found[w] = run_optimization(worker_lake, request(w))
        times[w] = time.perf_counter() - t0
    print(f"\n== the same grid on {N_WORKER:,} bars, ours only (one run each); "
          f"load average {os.getloadavg()}")  # fmt: skip
    for w, t in times.items():
        print(f"quant run_optimization, {w} worker(s): {t:8.2f}s {len(POINTS) / t:8.1f} sets/s")
    assert [c.metrics for c in found[1].search.candidates] == [
        c.metrics for c in found[2].search.candidates
    ]
