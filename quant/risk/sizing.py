"""Position sizing: the core kernels of ``quant.core.risk.sizing``, re-exported."""

from quant.core.risk.sizing import (
    capped_kelly,
    fixed_fraction,
    fixed_qty,
    risk_per_trade,
    shrink_for_impact,
    size_units,
    vol_target,
)

__all__ = [
    "capped_kelly",
    "fixed_fraction",
    "fixed_qty",
    "risk_per_trade",
    "shrink_for_impact",
    "size_units",
    "vol_target",
]
