"""``run_backtest``: strategy + bars + params + config -> records, equity and metrics.

The engine only prepares arrays (bars aligned per symbol, the strategy's features, past-only
sigma/ADV) and calls the simulator's loop (``quant.core.sim.loop``) compiled for this
strategy and the parts of the loop its config uses (``specialised``); every decision, fill,
fee, slippage and risk rule happens inside it, in the same source the live job runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from quant.backtest import strategy as strat
from quant.backtest.bars import BarArrays, from_frame
from quant.backtest.config import BacktestConfig
from quant.backtest.metrics import Metrics, compute_metrics
from quant.core.records import empty_fills, empty_orders, empty_trades
from quant.core.sim import layout as lay
from quant.core.sim.book import finish_open_trades
from quant.core.sim.loop import ROOM_PER_SYMBOL, plan_for, record_counts, specialised
from quant.core.sim.market import rolling_market_stats
from quant.core.streaming import panel_features
from quant.errors import QuantError

if TYPE_CHECKING:  # polars loads lazily: a run on BarArrays never imports it
    import polars as pl

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
    n_clamped_fills: int = 0  # fills whose slippage the opt-in bar clamp reduced

    @cached_property
    def metrics(self) -> Metrics:
        """Performance metrics of the run (computed from the records on first access)."""
        return compute_metrics(
            self.equity, self.ts, self.trades, self.fills, self.exposure,
            self.config.periods_per_year, self.n_clamped_fills,
        )  # fmt: skip

    def trades_frame(self) -> pl.DataFrame:
        """Trades with symbol names and timestamps."""
        return _records_frame(self.trades, self.symbols, self.ts, ("entry_bar", "exit_bar"))

    def fills_frame(self) -> pl.DataFrame:
        """Fills with symbol names and timestamps."""
        return _records_frame(self.fills, self.symbols, self.ts, ("bar",))


def _records_frame(rec: np.ndarray, symbols, ts, bar_cols) -> pl.DataFrame:
    import polars as pl

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
    """float64[n, S, K]: the strategy's features per symbol, computed on its own bars only.

    A strategy that declares its features as indicator specs, on bars without gaps, gets
    them over all symbols at once (``panel_features``: same numbers, one pass per spec).
    """
    n, n_sym = bars.shape
    complete = not np.isnan(bars.close).any()  # every symbol has every bar: no NaN prefill
    if complete and hasattr(mod, "feature_specs"):
        return panel_features(mod.feature_specs(params), bars.columns())
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
            if n_sym == 1 and full:
                return np.ascontiguousarray(f.reshape(n, 1, -1))
            shape = (n, n_sym, f.shape[1])
            out = np.empty(shape) if complete else np.full(shape, np.nan)
        if full:
            out[:, j, :] = f
        else:
            out[ok, j, :] = f
    assert out is not None
    return out


def strategy_features(
    strategy: str | ModuleType, bars: BarArrays, params: BaseModel | Mapping[str, Any] | None
) -> np.ndarray:
    """float64[n, S, K]: the features the engine hands to ``decide`` (NaN where no bar)."""
    mod = strat.resolve(strategy)
    return _features(mod, bars, strat.validate_params(mod, params))


def _trim(records: np.ndarray, count: int) -> np.ndarray:
    """Shrink a record array the engine allocated (and alone references) to ``count`` rows in
    place: a realloc instead of copying the used rows out of a mostly empty buffer."""
    records.resize(count, refcheck=False)
    return records


def _capacity(n: int, n_sym: int) -> int:
    """First record rows: one per 16 bar-symbols (a busy strategy such as a fast SMA cross
    trades every ~18 bars, so it runs without a pause to grow), at most 4M rows. Zeroed
    pages cost nothing until written, so the unused part is almost free."""
    return 64 + 16 * n_sym + min((n * n_sym) // 16, 1 << 22)


def _grow(rec: np.ndarray, used: int, room: int) -> np.ndarray:
    """``rec`` if it has ``room`` free rows after ``used``, else a copy at least twice as long."""
    if rec.shape[0] - used >= room:
        return rec
    out = np.zeros(max(2 * rec.shape[0], used + room), dtype=rec.dtype)
    out[:used] = rec[:used]
    return out


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
        with_mu = cfg.sizing.rule == "kelly"  # the only reader of mu
        sigma, mu, adv = rolling_market_stats(arr.close, arr.volume, cfg.stats_window, with_mu)
    else:
        sigma = mu = adv = np.full((1, n_sym), np.nan)
    day = np.ascontiguousarray(arr.ts // _NS_PER_DAY)
    pvec = np.ascontiguousarray(mod.params_array(p), dtype=np.float64)
    state0 = np.asarray(mod.init_state(p), dtype=np.float64)
    cvec = cfg.to_vector()
    costs = cfg.cost_matrix(arr.symbols)
    price = (arr.open, arr.high, arr.low, arr.close, arr.volume)
    cap = _capacity(n, n_sym)
    recs = [empty_orders(cap), empty_fills(cap), empty_trades(cap)]
    book = new_book(n_sym)
    acct = new_account(cfg.cash)
    state = np.ascontiguousarray(np.tile(state0, (n_sym, 1)).reshape(n_sym, -1))
    out = (np.empty(n), np.empty(n), np.empty((n, n_sym)), np.zeros(n, dtype=np.int8))
    stats = (sigma, mu, adv)
    simulate = specialised(mod.decide, plan_for(cvec))
    start = 0
    while True:

        def tail(x: np.ndarray, start: int = start) -> np.ndarray:
            return x[start:] if x.shape[0] == n else x

        stop = simulate(
            None, tuple(tail(x) for x in price), tuple(tail(x) for x in stats),
            tail(day), tail(feats), pvec, state, cvec, costs, (*recs, book, acct),
            tuple(tail(x) for x in out),
        )  # fmt: skip
        if acct[lay.A_OVERFLOW] != 0.0:
            raise RuntimeError("simulator record overflow despite the room check (a bug)")
        if stop < 0:
            break
        start += stop
        room = 2 * ROOM_PER_SYMBOL * n_sym
        recs = [_grow(r, u, room) for r, u in zip(recs, record_counts(acct), strict=True)]
    recs[2] = _grow(recs[2], record_counts(acct)[2], n_sym)  # room for still-open trades
    orders, fills, trades = recs
    finish_open_trades(trades, book, acct, n - 1, book[:, lay.B_LAST_CLOSE].copy())
    n_o, n_f, n_t = record_counts(acct)
    equity, exposure, targets, halt = out
    fl, tr = _trim(fills, n_f), _trim(trades, n_t)
    return BacktestResult(
        strategy=mod.NAME,
        params=p.model_dump(),
        symbols=arr.symbols,
        ts=arr.ts,
        equity=equity,
        exposure=exposure,
        targets=targets,
        halt=halt,
        orders=_trim(orders, n_o),
        fills=fl,
        trades=tr,
        config=cfg,
        report=cfg.describe(),
        n_clamped_fills=int(acct[lay.A_N_CLAMPED]),
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
