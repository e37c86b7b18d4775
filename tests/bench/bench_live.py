"""Live per-bar decision latency: core + risk alone, and the whole bar with the ledger commit.

One new bar for 1 and for 50 symbols (zscore_reversion, window 20, 10 % of equity per
entry, 0.1 % fees, 5 bps slippage, 1 % participation), after a 300-bar warm-up:

* core + risk: streaming features + past-only stats + the simulator's one-bar step
  (fills booked, HALT checks, ``decide``, sizing and limits) on an in-memory snapshot;
* full bar: ``LiveEngine.on_bar`` = the above + paper broker fills and submits +
  reconciliation + one ledger transaction (SQLite WAL; synchronous FULL = fsync per commit,
  NORMAL = safe against a process crash, not a power cut) on this disk.

Named peer: the backtest's own cost per bar and symbol (``run_backtest`` over the same bars).
p50 / p99 printed; goals p99 < 1 ms (core + risk) and < 5 ms (with the ledger commit).
Run with ``make bench``; asserts only that the live bars matched the backtest.
"""

from __future__ import annotations

import copy
import statistics
import time

import numpy as np
import pytest

from quant.backtest.config import BacktestConfig, Fees, Sizing, Slippage
from quant.backtest.engine import run_backtest
from quant.live.engine import LiveEngine
from quant.live.replay import bar_rows, open_paper, run_bars
from tests.bench.bench_backtest import market

WARM, TIMED = 300, 200
CFG = BacktestConfig(
    fees=Fees(pct=0.001), slippage=Slippage(model="constant", param=5.0), participation=0.01,
    sizing=Sizing(rule="fraction", value=0.1),
)  # fmt: skip
PARAMS = {"window": 20, "entry": 1.0, "exit": 0.3, "short": True}


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs) * 1e3, q))


@pytest.mark.parametrize("synchronous", ["FULL", "NORMAL"])
@pytest.mark.parametrize("n_symbols", [1, 50])
def test_per_bar_decision_latency(tmp_path, n_symbols, synchronous):
    bars = market(WARM + TIMED, n_symbols, seed=7)
    cfg = CFG.model_copy(update={"allow_short": True})
    ledger, broker = open_paper(tmp_path, cfg.cash, synchronous)
    eng = LiveEngine("zscore_reversion", bars.symbols, ledger, broker, PARAMS, cfg)
    warm = type(bars)(bars.ts[:WARM], bars.symbols, *(getattr(bars, c)[:WARM]
                      for c in ("open", "high", "low", "close", "volume")))  # fmt: skip
    run_bars(eng, warm)
    core, full = [], []
    for t in range(WARM, WARM + TIMED):
        rows = bar_rows(bars, t)
        snap = copy.deepcopy(eng.restore())  # core alone, on a throwaway copy
        t0 = time.perf_counter()
        feats, stats = eng.prepare(snap, rows)
        eng.simulate_bar(snap, int(bars.ts[t]), rows, feats, stats)
        core.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        eng.on_bar(int(bars.ts[t]), rows)
        full.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    bt = run_backtest("zscore_reversion", bars, PARAMS, cfg)
    peer = (time.perf_counter() - t0) / (WARM + TIMED)
    from quant.live.replay import replay_result

    lv = replay_result(eng, bars)
    assert lv.fills.tobytes() == bt.fills.tobytes() and len(bt.fills) > 0
    print(
        f"\nlive bar, {n_symbols} symbol(s), ledger {synchronous}: "
        f"core+risk p50 {_pct(core, 50):.3f} ms "
        f"p99 {_pct(core, 99):.3f} ms | full bar with ledger commit p50 {_pct(full, 50):.3f} ms "
        f"p99 {_pct(full, 99):.3f} ms | peer backtest per bar {peer * 1e3:.4f} ms "
        f"(full/peer median ratio {statistics.median(full) / peer:.0f}x)"
    )
    broker.close()
    ledger.close()
