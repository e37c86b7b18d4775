"""Equity and drawdown of a backtest as a PNG (matplotlib, Agg backend, no display needed)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from quant.backtest.engine import BacktestResult


def equity_drawdown_png(result: BacktestResult) -> bytes:
    """PNG bytes: equity curve on top, drawdown (fraction below the running peak) below."""
    t = result.ts.astype("datetime64[ns]")
    eq = result.equity
    dd = eq / np.maximum.accumulate(eq) - 1.0
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(8, 4.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    try:
        ax1.plot(t, eq, lw=1.0, color="tab:blue")
        ax1.set_ylabel("equity")
        ax1.set_title(f"{result.strategy} on {', '.join(result.symbols)}")
        ax1.grid(alpha=0.3)
        ax2.fill_between(t, dd, 0.0, color="tab:red", alpha=0.5, lw=0)
        ax2.set_ylabel("drawdown")
        ax2.grid(alpha=0.3)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=80)
        return buf.getvalue()
    finally:
        plt.close(fig)
