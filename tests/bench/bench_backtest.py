"""Simulation throughput: this engine vs vectorbt, backtrader and a minimal fused numba loop.

sma_crossover (fast=10, slow=50), fixed size 10 units, 0.1 % fees, decision at bar t's close
filled at bar t+1's open, on a seeded mean-reverting random walk of 1M bars x 1 and x 8
symbols. vectorbt's
``Portfolio.from_signals`` gets the same crossings shifted one bar and ``price=open``; final
equity and trade counts must agree. backtrader runs a 20k-bar slice. Medians of 3 warm runs.
Also: first call in a fresh process with an empty and with a warm numba cache.
Run with ``make bench``; asserts only that results agree.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import lfilter

from quant.backtest.bars import BarArrays, from_arrays
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import new_account, new_book, run_backtest
from quant.core.indicators import sma
from quant.core.jit import njit
from quant.core.records import empty_fills, empty_orders, empty_trades
from quant.core.sim.loop import plan_for, simulate, specialised
from quant.core.sim.market import rolling_market_stats
from strategies import sma_crossover
from tests.bench.first_call import breakdown, print_breakdown
from tests.bench.first_call import env as _env

ROOT = Path(__file__).resolve().parents[2]
N = 1_000_000
FAST, SLOW, QTY, FEE = 10, 50, 10.0, 0.001
CASH = 1e9
REPEAT = 5


def market(n: int, k: int, seed: int = 42) -> BarArrays:
    """Seeded mean-reverting log price (AR(1), phi 0.999: stays near 100, so cash never binds)."""
    rng = np.random.default_rng(seed)
    logp = lfilter([1.0], [1.0, -0.999], rng.normal(0, 0.01, (n, k)), axis=0)
    close = 100.0 * np.exp(logp)
    opens = np.vstack([close[:1], close[:-1]]) * np.exp(rng.normal(0, 0.002, (n, k)))
    high = np.maximum(opens, close) * (1 + rng.uniform(0, 0.005, (n, k)))
    low = np.minimum(opens, close) * (1 - rng.uniform(0, 0.005, (n, k)))
    vol = rng.uniform(1e5, 1e6, (n, k))
    syms = tuple(f"S{j}" for j in range(k))
    return from_arrays(
        np.arange(n, dtype=np.int64) * 60 * 10**9, close, opens, high, low, vol, syms
    )


CONFIG = BacktestConfig(
    cash=CASH, fees={"pct": FEE}, slippage={"model": "none"}, sizing={"rule": "fixed", "value": QTY}
)  # the peers' model: fees, no slippage
FULL = BacktestConfig(
    cash=CASH,
    fees={"pct": FEE, "fixed": 1.0, "minimum": 1.0},
    slippage={"model": "sqrt", "param": 0.5},
    participation=0.1,
    stop_loss=0.02,
    take_profit=0.04,
    allow_short=True,
    sizing={"rule": "risk", "value": 0.001, "shrink_for_slippage": True},
    risk={"max_position": 0.2, "max_exposure": 1.0, "max_drawdown": 0.9, "max_daily_loss": 0.5},
)
PARAMS = {"fast": FAST, "slow": SLOW}


def median_time(fn, repeat: int = REPEAT) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


@njit
def minimal_loop(o, c, fast, slow, qty, fee, cash):
    """Fused reference: SMA crossover, next-open market fills, fixed qty, percent fee."""
    n, k = c.shape
    total = 0.0
    trades = 0
    for j in range(k):
        cash_j = cash
        pos = 0.0
        pending = 0  # +1 buy / -1 sell at the next open
        sf = 0.0
        ss = 0.0
        prev_f = np.nan
        prev_s = np.nan
        for t in range(n):
            if pending != 0:
                px = o[t, j]
                if pending > 0:
                    cash_j -= qty * px * (1 + fee)
                    pos = qty
                    trades += 1
                else:
                    cash_j += pos * px * (1 - fee)
                    pos = 0.0
                pending = 0
            x = c[t, j]
            sf += x
            ss += x
            if t >= fast:
                sf -= c[t - fast, j]
            if t >= slow:
                ss -= c[t - slow, j]
            f = sf / fast if t >= fast - 1 else np.nan
            s = ss / slow if t >= slow - 1 else np.nan
            if not (np.isnan(prev_f) or np.isnan(prev_s) or np.isnan(f) or np.isnan(s)):
                if prev_f <= prev_s and f > s and pos == 0.0:
                    pending = 1
                elif prev_f >= prev_s and f < s and pos > 0.0:
                    pending = -1
            prev_f, prev_s = f, s
        total += cash_j + pos * c[n - 1, j]
    return total, trades


def kernel_only(bars: BarArrays, cfg: BacktestConfig, general: bool = False):
    """Time just the compiled simulator on prepared inputs (features and stats precomputed):
    the loop specialised on the strategy and config (what ``run_backtest`` runs), or the
    general loop (``decide`` a first-class function, every part compiled in; the live job's)."""
    p = sma_crossover.Params(**PARAMS)
    n, k = bars.shape
    feats = np.empty((n, k, 2))
    for j in range(k):
        feats[:, j, :] = sma_crossover.features(bars.column(j), p)
    if cfg.needs_market_stats():  # as run_backtest does: placeholders when no rule reads them
        stats = rolling_market_stats(bars.close, bars.volume, cfg.stats_window)
    else:
        stats = (np.full((1, k), np.nan),) * 3
    day = np.ascontiguousarray(bars.ts // (86_400 * 10**9))
    cap = 256 + n * k // 8
    price = (bars.open, bars.high, bars.low, bars.close, bars.volume)
    cvec = cfg.to_vector()
    if general:
        sim, decide = simulate, sma_crossover.decide
    else:
        sim, decide = specialised(sma_crossover.decide, plan_for(cvec)), None

    def once():
        book_io = (empty_orders(cap), empty_fills(cap), empty_trades(cap), new_book(k),
                   new_account(cfg.cash))  # fmt: skip
        out = (np.empty(n), np.empty(n), np.empty((n, k)), np.zeros(n, dtype=np.int8))
        state = np.full((k, 2), np.nan)
        sim(decide, price, stats, day, feats, sma_crossover.params_array(p), state, cvec,
            cfg.cost_matrix(bars.symbols), book_io, out)  # fmt: skip
        return out[0][-1]

    return median_time(once)


def vectorbt_run(bars: BarArrays):
    import pandas as pd
    import vectorbt as vbt

    n, k = bars.shape
    ent = np.zeros((n, k), bool)
    ex = np.zeros((n, k), bool)
    for j in range(k):
        f, s = sma(bars.close[:, j], FAST), sma(bars.close[:, j], SLOW)
        pf_, ps_ = np.r_[np.nan, f[:-1]], np.r_[np.nan, s[:-1]]
        ent[:, j] = (pf_ <= ps_) & (f > s)
        ex[:, j] = (pf_ >= ps_) & (f < s)
    # the decision at t fills at t+1's open
    ent = np.vstack([np.zeros((1, k), bool), ent[:-1]])
    ex = np.vstack([np.zeros((1, k), bool), ex[:-1]])
    idx = pd.RangeIndex(n)
    close = pd.DataFrame(bars.close, index=idx)
    opens = pd.DataFrame(bars.open, index=idx)
    e, x = pd.DataFrame(ent, index=idx), pd.DataFrame(ex, index=idx)

    def once():
        pf = vbt.Portfolio.from_signals(
            close, e, x, price=opens, size=QTY, size_type="amount", fees=FEE,
            init_cash=CASH, cash_sharing=True, group_by=True, freq="1min",
        )  # fmt: skip
        return pf

    def end_to_end():  # vectorbt's own indicators and crossings, then the simulation
        fast = vbt.MA.run(close, FAST, short_name="fast")
        slow = vbt.MA.run(close, SLOW, short_name="slow")
        e2 = fast.ma_crossed_above(slow).vbt.fshift(1, fill_value=False)
        x2 = fast.ma_crossed_below(slow).vbt.fshift(1, fill_value=False)
        return vbt.Portfolio.from_signals(
            close, e2, x2, price=opens, size=QTY, size_type="amount", fees=FEE,
            init_cash=CASH, cash_sharing=True, group_by=True, freq="1min",
        )  # fmt: skip

    once()  # compile
    end_to_end()
    t, pf = median_time(once)
    t_e2e, pf_e2e = median_time(end_to_end)
    assert int(pf_e2e.trades.count()) == int(pf.trades.count())
    return t, float(pf.value().iloc[-1]), int(pf.trades.count()), t_e2e


def backtrader_run(bars: BarArrays) -> tuple[float, float, int]:
    import backtrader as bt
    import pandas as pd

    n = bars.shape[0]
    df = pd.DataFrame(
        {"open": bars.open[:, 0], "high": bars.high[:, 0], "low": bars.low[:, 0],
         "close": bars.close[:, 0], "volume": bars.volume[:, 0]},
        index=pd.to_datetime(bars.ts, utc=False),
    )  # fmt: skip

    class Cross(bt.Strategy):
        def __init__(self):
            self.x = bt.ind.CrossOver(bt.ind.SMA(period=FAST), bt.ind.SMA(period=SLOW))
            self.n_trades = 0

        def next(self):
            if self.x[0] > 0 and not self.position:
                self.buy(size=QTY)
                self.n_trades += 1
            elif self.x[0] < 0 and self.position:
                self.close()

    def once():
        cerebro = bt.Cerebro(stdstats=False)
        cerebro.adddata(bt.feeds.PandasData(dataname=df))
        cerebro.addstrategy(Cross)
        cerebro.broker.setcash(CASH)
        cerebro.broker.setcommission(commission=FEE)
        strat = cerebro.run()[0]
        return cerebro.broker.getvalue(), strat.n_trades

    t, (value, trades) = median_time(once, 1)
    assert n > 0
    return t, value, trades


def first_call_seconds(cache_dir: str) -> dict[str, float]:
    """A fresh interpreter importing the engine and running a 2000-bar backtest twice.

    Returns seconds: ``process`` (wall, interpreter start to exit), ``imports``, ``first``
    (first call: numba cache load or compile, plus the run) and ``steady`` (second call).
    """
    code = (
        "import time; t0=time.perf_counter()\n"
        "import numpy as np\n"
        "from quant.backtest.bars import from_arrays\n"
        "from quant.backtest.engine import run_backtest\n"
        "t1 = time.perf_counter()\n"
        "c = 100 + np.cumsum(np.random.default_rng(0).normal(0, 1, 2000))\n"
        "b = from_arrays(np.arange(2000) * 86400 * 10**9, c)\n"
        "r = run_backtest('sma_crossover', b)\n"
        "t2 = time.perf_counter()\n"
        "r = run_backtest('sma_crossover', b)\n"
        "t3 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t1, t3 - t2)\n"
    )
    env = _env(NUMBA_CACHE_DIR=cache_dir)
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=ROOT, timeout=600, check=True)  # fmt: skip
    wall = time.perf_counter() - t0
    imports, first, steady = map(float, out.stdout.strip().splitlines()[-1].split())
    return {"process": wall, "imports": imports, "first": first, "steady": steady}


def cli_seconds(cache_dir: str, lake: str) -> float:
    """Wall time of ``quant backtest sma_crossover --symbol ORCL`` as a whole process."""
    quant = str(Path(sys.executable).with_name("quant"))
    env = _env(NUMBA_CACHE_DIR=cache_dir, QUANT_LAKE=lake)
    t0 = time.perf_counter()
    subprocess.run([quant, "backtest", "sma_crossover", "--symbol", "ORCL"], env=env,
                   capture_output=True, cwd=ROOT, timeout=600, check=True)  # fmt: skip
    return time.perf_counter() - t0


def row(name: str, bars: int, seconds: float) -> dict:
    return {"run": name, "bars": bars, "seconds": seconds, "bars_per_s": bars / seconds}


def print_table(rows: list[dict], ref: str) -> None:
    base = next(r["bars_per_s"] for r in rows if r["run"] == ref)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"\n{'run':44s} {'bars':>10s} {'median s':>10s} {'bars/s':>14s} {'vs ' + ref:>16s}")
    for r in rows:
        print(f"{r['run']:44s} {r['bars']:>10d} {r['seconds']:>10.4f} {r['bars_per_s']:>14,.0f} "
              f"{r['bars_per_s'] / base:>15.2f}x")  # fmt: skip


@pytest.mark.parametrize("k", [1, 8])
def test_throughput_against_vectorbt_and_a_minimal_loop(k):
    bars = market(N, k)
    total = N * k
    run_backtest(sma_crossover, bars, PARAMS, CONFIG)  # warm (numba cache, first-call costs)
    t_engine, res = median_time(lambda: run_backtest(sma_crossover, bars, PARAMS, CONFIG))
    t_kernel, _ = kernel_only(bars, CONFIG)
    t_kgeneral, _ = kernel_only(bars, CONFIG, general=True)
    t_full, full = median_time(lambda: run_backtest(sma_crossover, bars, PARAMS, FULL))
    t_kfull, _ = kernel_only(bars, FULL)
    minimal_loop(bars.open, bars.close, FAST, SLOW, QTY, FEE, CASH / k)
    t_min, (min_eq, min_trades) = median_time(
        lambda: minimal_loop(bars.open, bars.close, FAST, SLOW, QTY, FEE, CASH / k)
    )
    t_vbt, vbt_eq, vbt_trades, t_vbt_e2e = vectorbt_run(bars)
    rows = [
        row("quant run_backtest (sma, fees)", total, t_engine),
        row("quant simulator kernel only (sma, fees)", total, t_kernel),
        row("quant general loop kernel only (sma, fees)", total, t_kgeneral),
        row("quant run_backtest, all features on", total, t_full),
        row("quant simulator kernel only, all features on", total, t_kfull),
        row("vectorbt Portfolio.from_signals", total, t_vbt),
        row("vectorbt MA.run + crossings + from_signals", total, t_vbt_e2e),
        row("minimal fused numba loop", total, t_min),
    ]
    print(f"\n== sma_crossover, {N:,} bars x {k} symbol(s)")
    print_table(rows, "vectorbt Portfolio.from_signals")
    print(f"final equity: quant {res.equity[-1]:.6f}  vectorbt {vbt_eq:.6f}  minimal {min_eq:.6f}")
    print(f"trades: quant {len(res.trades)}  vectorbt {vbt_trades}  minimal {min_trades}")
    print(f"all-features run: {len(full.fills)} fills, {len(full.trades)} trades")
    assert len(res.trades) == vbt_trades == min_trades
    assert res.equity[-1] == pytest.approx(vbt_eq, rel=1e-9)
    assert res.equity[-1] == pytest.approx(min_eq, rel=1e-9)


def test_backtrader_on_a_slice():
    n = 20_000
    bars = market(n, 1, seed=7)
    run_backtest(sma_crossover, bars, PARAMS, CONFIG)
    t_q, res = median_time(lambda: run_backtest(sma_crossover, bars, PARAMS, CONFIG))
    t_bt, bt_value, bt_trades = backtrader_run(bars)
    print(f"\n== sma_crossover, {n:,} bars x 1 symbol")
    print_table([row("quant run_backtest", n, t_q), row("backtrader", n, t_bt)], "backtrader")
    print(f"final equity: quant {res.equity[-1]:.6f}  backtrader {bt_value:.6f}")
    print(f"entries: quant {int((res.fills['side'] == 1).sum())}  backtrader {bt_trades}")
    assert int((res.fills["side"] == 1).sum()) == bt_trades
    assert res.equity[-1] == pytest.approx(bt_value, rel=1e-6)


def test_first_call_in_a_fresh_process_cold_and_warm_cache(tmp_path):
    from quant.data import ingest
    from quant.data.store import DatasetStore

    lake = str(tmp_path / "lake")
    sample = ROOT / "data" / "samples" / "orcl-1995-2014.txt"
    ingest.ingest(DatasetStore(lake), str(sample), "bars_1d", symbol="ORCL")
    parts = ("process", "imports", "first", "steady")
    with tempfile.TemporaryDirectory() as cache:
        cold = first_call_seconds(cache)
        warm_runs = [first_call_seconds(cache) for _ in range(REPEAT)]
        warm = {k: statistics.median(r[k] for r in warm_runs) for k in parts}
        cli_warm = statistics.median(cli_seconds(cache, lake) for _ in range(REPEAT))
    cli_colds = []
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory() as cache:
            cli_colds.append(cli_seconds(cache, lake))
    cli_cold = statistics.median(cli_colds)
    args = ["backtest", "sma_crossover", "--symbol", "ORCL"]
    with tempfile.TemporaryDirectory() as cache:
        where = {"empty cache": breakdown(args, cache, lake)}
        where["warm cache"] = breakdown(args, cache, lake)
    print("\nfirst call in a fresh process (2000-bar sma_crossover), seconds; "
          "first = numba cache load (warm) or compile (cold) + one run")  # fmt: skip
    print(f"{'cache':8s}" + "".join(f"{k:>10s}" for k in parts))
    for name, r in (("empty", cold), ("warm", warm)):
        print(f"{name:8s}" + "".join(f"{r[k]:10.2f}" for k in parts))
    print(f"quant backtest sma_crossover --symbol ORCL (shipped data, whole process): "
          f"empty cache {cli_cold:.2f}s, warm cache {cli_warm:.2f}s (goals 5 s / 1 s; medians of "
          f"{REPEAT}; load average {os.getloadavg()[0]:.2f})")  # fmt: skip
    print("where its time goes (one run each; module bodies by package, numba cache loads and "
          "compiles, the rest; tests/bench/first_call.py)")  # fmt: skip
    print_breakdown(where)
    assert cold["steady"] > 0 and warm["steady"] > 0
