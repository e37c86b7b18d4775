"""Risk limits and HALT conditions: the core kernels of ``quant.core.risk.limits``, re-exported."""

from quant.core.risk.limits import account_halt, cap_exposure, cap_position, volatility_halt

__all__ = ["account_halt", "cap_exposure", "cap_position", "volatility_halt"]
