"""Replay: play historical bars through the live path and report like a backtest.

``replay`` feeds one bar at a time (all symbols of a timestamp together) to a
:class:`LiveEngine` over a ledger and a paper broker, then builds a ``BacktestResult`` from
the ledger's records, so ``quant live replay`` prints the same report and JSON as
``quant backtest``. On the same bars, params and config the orders, fills, trades and
equity are identical to the backtest's (``tests/live/test_parity.py``). An interrupted
replay resumes where the ledger stopped: bars already committed are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from quant.backtest.bars import BarArrays, from_frame
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import BacktestResult
from quant.core import records as rec
from quant.core.sim import layout as lay
from quant.core.sim.book import finish_open_trades
from quant.live.broker.paper import PaperBroker
from quant.live.engine import LiveEngine
from quant.live.ledger import Ledger
from quant.live.persist import read_records

if TYPE_CHECKING:
    import polars as pl


def bar_rows(bars: BarArrays, t: int) -> np.ndarray:
    """float64[S, 5]: open, high, low, close, volume of every symbol at bar ``t``."""
    return np.column_stack([bars.open[t], bars.high[t], bars.low[t], bars.close[t], bars.volume[t]])


def open_paper(
    workdir: str | Path, cash: float, synchronous: str = "FULL"
) -> tuple[Ledger, PaperBroker]:
    """A ledger (``live.db``; SQLite ``synchronous`` FULL or NORMAL) and a paper broker
    (``broker.db``) in ``workdir``."""
    root = Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(f"sqlite:///{root / 'live.db'}", synchronous=synchronous)
    return ledger, PaperBroker(root / "broker.db", cash)


def run_bars(engine: LiveEngine, bars: BarArrays) -> int:
    """Feed every bar to ``engine`` in order; returns how many were processed (not skipped)."""
    done = 0
    for t in range(bars.shape[0]):
        done += not engine.on_bar(int(bars.ts[t]), bar_rows(bars, t)).skipped
    return done


def replay_result(engine: LiveEngine, bars: BarArrays) -> BacktestResult:
    """The replay's records as a ``BacktestResult`` (open trades closed at the last close)."""
    n_sym = len(engine.symbols)
    r = read_records(engine.ledger, engine.name, n_sym)
    snap = engine.restore()
    trades = np.zeros(len(r["trades"]) + n_sym, rec.trade_dt)
    trades[: len(r["trades"])] = r["trades"]
    acct = snap.acct.copy()
    closes = snap.book[:, lay.B_LAST_CLOSE].copy()
    finish_open_trades(trades, snap.book.copy(), acct, bars.shape[0] - 1, closes)
    return BacktestResult(
        strategy=engine.mod.NAME,
        params=engine.p.model_dump(),
        symbols=engine.symbols,
        ts=r["ts"],
        equity=r["equity"],
        exposure=r["exposure"],
        targets=r["targets"],
        halt=r["halt"],
        orders=r["orders"],
        fills=r["fills"],
        trades=trades[: int(acct[lay.A_N_TRADES])].copy(),
        config=engine.cfg,
        report=engine.cfg.describe(),
        n_clamped_fills=int(snap.acct[lay.A_N_CLAMPED]),
    )


def replay(
    strategy: Any,
    bars: pl.DataFrame | BarArrays,
    workdir: str | Path,
    params: Any = None,
    config: BacktestConfig | None = None,
) -> BacktestResult:
    """Replay ``bars`` through the live engine with a paper broker kept in ``workdir``."""
    arr = bars if isinstance(bars, BarArrays) else from_frame(bars)
    cfg = config or BacktestConfig()
    ledger, broker = open_paper(workdir, cfg.cash)
    try:
        engine = LiveEngine(strategy, arr.symbols, ledger, broker, params, cfg)
        run_bars(engine, arr)
        return replay_result(engine, arr)
    finally:
        broker.close()
        ledger.close()
