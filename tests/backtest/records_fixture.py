"""Small hand-made backtest records for the metrics tests (dtypes from quant.core.records)."""

from __future__ import annotations

import numpy as np

from quant.core.records import fill_dt, trade_dt

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
