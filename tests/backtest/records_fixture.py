"""Small hand-made backtest records for the metrics tests (dtypes from quant.core.records)."""

from __future__ import annotations

import numpy as np

try:  # the simulator's records module (branch `backtest`); fall back to the contract's dtypes
    from quant.core.records import fill_dt, trade_dt
except ImportError:  # pragma: no cover - only before the backtest branch is merged
    fill_dt = np.dtype(
        [("bar", np.int64), ("symbol", np.int32), ("order_id", np.int64), ("side", np.int8),
         ("qty", np.float64), ("price", np.float64), ("fee", np.float64),
         ("slippage", np.float64)]
    )  # fmt: skip
    trade_dt = np.dtype(
        [("symbol", np.int32), ("entry_bar", np.int64), ("exit_bar", np.int64),
         ("side", np.int8), ("qty", np.float64), ("entry_price", np.float64),
         ("exit_price", np.float64), ("fees", np.float64), ("pnl", np.float64),
         ("return_pct", np.float64)]
    )  # fmt: skip

DAY_NS = 86_400 * 10**9
T0 = 1_136_160_000 * 10**9  # 2006-01-02 00:00 UTC


def daily_ts(n: int) -> np.ndarray:
    """n consecutive daily timestamps (int64 ns UTC)."""
    return T0 + DAY_NS * np.arange(n, dtype=np.int64)


def trades_with_pnl(pnl: list[float]) -> np.ndarray:
    """Trade records carrying the given net pnl (other fields plausible but unused)."""
    out = np.zeros(len(pnl), dtype=trade_dt)
    out["pnl"] = pnl
    out["qty"] = 1.0
    out["side"] = 1
    return out


def fills_of(rows: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Fill records from (qty, price, fee, slippage) tuples."""
    out = np.zeros(len(rows), dtype=fill_dt)
    for i, (qty, price, fee, slip) in enumerate(rows):
        out[i]["bar"], out[i]["order_id"], out[i]["side"] = i, i, 1 if i % 2 == 0 else -1
        out[i]["qty"], out[i]["price"], out[i]["fee"], out[i]["slippage"] = qty, price, fee, slip
    return out
