"""Small hand-made markets and a runner for simulator scenarios."""

from __future__ import annotations

import numpy as np

from quant.backtest.bars import from_arrays
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import BacktestResult, run_backtest
from tests.backtest.scripted import scripted

DAY = 86_400 * 10**9
nan = np.nan


def market(close, open=None, high=None, low=None, volume=None):
    """Bars of one symbol; open defaults to close - 0.5, high/low to +-1 around open/close."""
    c = np.asarray(close, dtype=float)
    o = c - 0.5 if open is None else np.asarray(open, dtype=float)
    h = np.maximum(o, c) + 1.0 if high is None else np.asarray(high, dtype=float)
    lo = np.minimum(o, c) - 1.0 if low is None else np.asarray(low, dtype=float)
    v = np.full(len(c), 1e6) if volume is None else np.asarray(volume, dtype=float)
    return from_arrays(np.arange(len(c)) * DAY, c, open=o, high=h, low=lo, volume=v)


def run(*targets_then_bars, **cfg) -> BacktestResult:
    """Replay targets (one list per symbol) on the bars given last, with BacktestConfig(cfg).

    Unlike the BacktestConfig defaults, costs are zero unless ``cfg`` names them.
    """
    *targets, bars = targets_then_bars
    cfg.setdefault("sizing", {"rule": "fixed", "value": 10})
    cfg.setdefault("cash", 10_000.0)
    cfg.setdefault("fees", {"pct": 0.0})  # hand-computed scenarios: costs only where asked
    cfg.setdefault("slippage", {"model": "none"})
    return run_backtest(scripted(*targets), bars, None, BacktestConfig(**cfg))
