"""The loop resumes from saved state: bar-by-bar calls equal one batch call, record for record.

This is how the live driver reproduces the backtest: it restores ``book``, ``acct``, the
strategy's ``state`` and the records, and calls the same compiled loop for the newest bar.
"""

from itertools import pairwise

import numpy as np

from quant.backtest.config import BacktestConfig
from quant.backtest.engine import new_account, new_book
from quant.core.records import empty_fills, empty_orders, empty_trades
from quant.core.sim.layout import A_N_FILLS, A_N_ORDERS, A_N_TRADES
from quant.core.sim.loop import simulate
from quant.core.sim.market import rolling_market_stats
from tests.backtest.scripted import decide
from tests.core.sim.test_invariants import FULL, random_market


def fresh(k, cfg, cap=4096):
    return (empty_orders(cap), empty_fills(cap), empty_trades(cap), new_book(k),
            new_account(cfg.cash))  # fmt: skip


def run_chunks(bars, feats, cfg, cuts):
    n, k = bars.shape
    stats = rolling_market_stats(bars.close, bars.volume, cfg.stats_window)
    day = np.ascontiguousarray(bars.ts // (86_400 * 10**9))
    io = fresh(k, cfg)
    state = np.zeros((k, 1))
    eq, ex, tg, ha = np.empty(n), np.empty(n), np.empty((n, k)), np.zeros(n, np.int8)
    edges = [0, *cuts, n]
    for a, b in pairwise(edges):

        def part(x, a=a, b=b):
            return np.ascontiguousarray(x[a:b])

        price = tuple(part(getattr(bars, c)) for c in ("open", "high", "low", "close", "volume"))
        out = (eq[a:b], ex[a:b], part(tg), ha[a:b])
        assert simulate(decide, price, tuple(part(s) for s in stats), part(day), part(feats),
                        np.zeros(1), state, cfg.to_vector(), cfg.cost_matrix(bars.symbols),
                        io, out) == -1  # fmt: skip
        tg[a:b] = out[2]
    acct = io[4]
    n_o, n_f, n_t = int(acct[A_N_ORDERS]), int(acct[A_N_FILLS]), int(acct[A_N_TRADES])
    return io[0][:n_o], io[1][:n_f], io[2][:n_t], eq, tg, ha


def test_bar_by_bar_calls_reproduce_the_batch_run_exactly():
    bars, targets = random_market(11, n=150)
    n, k = bars.shape
    feats = np.full((n, k, 1), np.nan)
    for j in range(k):
        feats[~np.isnan(bars.close[:, j]), j, 0] = targets[j]
    cfg = BacktestConfig(**FULL)
    batch = run_chunks(bars, feats, cfg, [])
    stepped = run_chunks(bars, feats, cfg, list(range(1, n)))  # one bar per call
    assert len(batch[1]) > 20
    names = ("orders", "fills", "trades", "equity", "targets", "halt")
    for name, x, y in zip(names, batch, stepped, strict=True):
        assert x.tobytes() == y.tobytes(), name
