"""``run_backtest``: strategy + bars + params + config -> records, equity and metrics.

The engine only prepares arrays (bars aligned per symbol, the strategy's features, past-only
sigma/ADV) and calls the one compiled simulator ``quant.core.sim.loop.simulate``; every
decision, fill, fee, slippage and risk rule happens inside it, as it will in the live job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel

from quant.backtest import strategy as strat
from quant.backtest.bars import BarArrays, from_frame
from quant.backtest.config import BacktestConfig
from quant.backtest.metrics import Metrics, compute_metrics
from quant.core.records import empty_fills, empty_orders, empty_trades
from quant.core.sim import layout as lay
from quant.core.sim.book import finish_open_trades
from quant.core.sim.loop import record_counts, simulate
from quant.core.sim.market import rolling_market_stats
from quant.errors import QuantError

_NS_PER_DAY = 86_400 * 10**9


class FeatureError(QuantError):
    """A strategy's feature function returned an array of the wrong shape."""


@dataclass(frozen=True)
class BacktestResult:
    """Records and per-bar arrays of one backtest (record layouts in quant.core.records)."""

    strategy: str
    params: dict[str, Any]
    symbols: tuple[str, ...]
    ts: np.ndarray  # int64[n_bars] ns UTC
    equity: np.ndarray  # float64[n_bars]
    exposure: np.ndarray  # float64[n_bars]
    targets: np.ndarray  # float64[n_bars, n_symbols], NaN = no decision
    halt: np.ndarray  # int8[n_bars], HALT_* code in force at each bar
    orders: np.ndarray
    fills: np.ndarray
    trades: np.ndarray
    config: BacktestConfig
    report: dict[str, str] = field(default_factory=dict)

    @cached_property
    def metrics(self) -> Metrics:
        """Performance metrics of the run (computed from the records on first access)."""
        return compute_metrics(
            self.equity, self.ts, self.trades, self.fills, self.exposure,
            self.config.periods_per_year,
        )  # fmt: skip

    def trades_frame(self) -> pl.DataFrame:
        """Trades with symbol names and timestamps."""
        return _records_frame(self.trades, self.symbols, self.ts, ("entry_bar", "exit_bar"))

    def fills_frame(self) -> pl.DataFrame:
        """Fills with symbol names and timestamps."""
        return _records_frame(self.fills, self.symbols, self.ts, ("bar",))


def _records_frame(rec: np.ndarray, symbols, ts, bar_cols) -> pl.DataFrame:
    data: dict[str, Any] = {name: rec[name] for name in rec.dtype.names}
    data["symbol"] = np.array(symbols, dtype=object)[rec["symbol"]] if len(rec) else []
    for col in bar_cols:
        idx = rec[col]
        ok = idx >= 0
        stamp = np.full(len(idx), np.iinfo(np.int64).min)
        stamp[ok] = ts[idx[ok]]
        data[col.replace("bar", "ts")] = stamp
    df = pl.DataFrame(data)
    for col in bar_cols:
        name = col.replace("bar", "ts")
        df = df.with_columns(
            pl.when(pl.col(name) == np.iinfo(np.int64).min)
            .then(None)
            .otherwise(pl.col(name))
            .cast(pl.Datetime("ns", "UTC"))
            .alias(name)
        )
    return df


def _features(mod: ModuleType, bars: BarArrays, params: Any) -> np.ndarray:
    """float64[n, S, K]: the strategy's features per symbol, computed on its own bars only."""
    n, n_sym = bars.shape
    out: np.ndarray | None = None
    for j in range(n_sym):
        col = bars.column(j)
        ok = ~np.isnan(col["close"])
        full = bool(ok.all())
        own = col if full else {k: v[ok] for k, v in col.items()}
        f = np.asarray(mod.features(own, params), dtype=np.float64)
        if f.ndim != 2 or f.shape[0] != int(ok.sum()):
            raise FeatureError(f"{mod.NAME}.features returned shape {f.shape}, want (bars, k)")
        if out is None:
            out = np.full((n, n_sym, f.shape[1]), np.nan) if not full or n_sym > 1 else None
            if out is None:
                return np.ascontiguousarray(f.reshape(n, 1, -1))
        if full:
            out[:, j, :] = f
        else:
            out[ok, j, :] = f
    assert out is not None
    return out


def _capacity(n: int, n_sym: int) -> int:
    return 256 + (n * n_sym) // 8


def run_backtest(
    strategy: str | ModuleType,
    bars: pl.DataFrame | BarArrays,
    params: BaseModel | Mapping[str, Any] | None = None,
    config: BacktestConfig | None = None,
) -> BacktestResult:
    """Backtest a strategy over bars (one or many symbols); deterministic for equal inputs."""
    mod = strat.resolve(strategy)
    p = strat.validate_params(mod, params)
    cfg = config or BacktestConfig()
    arr = bars if isinstance(bars, BarArrays) else from_frame(bars)
    n, n_sym = arr.shape
    feats = _features(mod, arr, p)
    if cfg.needs_market_stats():
        sigma, mu, adv = rolling_market_stats(arr.close, arr.volume, cfg.stats_window)
    else:
        sigma = mu = adv = np.full((1, n_sym), np.nan)
    day = np.ascontiguousarray(arr.ts // _NS_PER_DAY)
    pvec = np.ascontiguousarray(mod.params_array(p), dtype=np.float64)
    state0 = np.asarray(mod.init_state(p), dtype=np.float64)
    cvec = cfg.to_vector()
    costs = cfg.cost_matrix(arr.symbols)
    price = (arr.open, arr.high, arr.low, arr.close, arr.volume)
    cap = _capacity(n, n_sym)
    while True:
        orders, fills, trades = empty_orders(cap), empty_fills(cap), empty_trades(cap)
        book = new_book(n_sym)
        acct = new_account(cfg.cash)
        state = np.ascontiguousarray(np.tile(state0, (n_sym, 1)).reshape(n_sym, -1))
        out = (np.empty(n), np.empty(n), np.empty((n, n_sym)), np.zeros(n, dtype=np.int8))
        stop = simulate(
            mod.decide, price, (sigma, mu, adv), day, feats, pvec, state, cvec, costs,
            (orders, fills, trades, book, acct), out,
        )  # fmt: skip
        if stop < 0:
            last_close = book[:, lay.B_LAST_CLOSE].copy()
            finish_open_trades(trades, book, acct, n - 1, last_close)
            if acct[lay.A_OVERFLOW] == 0.0:
                break
            stop = n - 1
        cap = int(max(record_counts(acct)) * max(n / max(stop, 1), 1.0) * 1.5) + cap
    n_o, n_f, n_t = record_counts(acct)
    equity, exposure, targets, halt = out
    fl, tr = fills[:n_f].copy(), trades[:n_t].copy()
    return BacktestResult(
        strategy=mod.NAME,
        params=p.model_dump(),
        symbols=arr.symbols,
        ts=arr.ts,
        equity=equity,
        exposure=exposure,
        targets=targets,
        halt=halt,
        orders=orders[:n_o].copy(),
        fills=fl,
        trades=tr,
        config=cfg,
        report=cfg.describe(),
    )


def new_book(n_symbols: int) -> np.ndarray:
    """A flat per-symbol book (no position, no working orders)."""
    book = np.zeros((n_symbols, lay.N_BOOK))
    for slot in (lay.B_SLOT_ENTRY, lay.B_SLOT_EXIT, lay.B_SLOT_SL, lay.B_SLOT_TP):
        book[:, slot] = -1.0
    book[:, lay.B_LAST_CLOSE] = np.nan
    return book


def new_account(cash: float) -> np.ndarray:
    """A fresh account vector holding ``cash``."""
    acct = np.zeros(lay.N_ACCT)
    acct[lay.A_CASH] = acct[lay.A_PEAK] = acct[lay.A_DAY_START] = acct[lay.A_EQUITY] = cash
    acct[lay.A_LAST_DAY] = -1.0
    return acct
