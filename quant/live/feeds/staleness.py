"""Stale data: no new bar for longer than the limit while the market is open.

The rule is the HALT condition ``stale_data`` of ``quant.risk.halt.evaluate_halt`` (default
60 s, ``HaltConfig.max_staleness_s``), evaluated alone: the age is measured from when the
last new bar *arrived* (the clock of the caller, injectable), not from the bar's own
timestamp, so a replayed history is not stale by construction.
"""

from __future__ import annotations

from quant.risk.halt import HaltConfig, HaltInputs, HaltTrigger, evaluate_halt
from quant.risk.instruments import MarketHours


def stale_trigger(
    last_arrival_ns: int | None,
    now_ns: int,
    limit_s: float = HaltConfig().max_staleness_s,
    hours: MarketHours | None = None,
) -> HaltTrigger | None:
    """The ``stale_data`` trigger when no bar arrived for more than ``limit_s`` during market
    hours (``hours`` default: always open); None when fresh, disabled or never started."""
    if not limit_s or last_arrival_ns is None:
        return None
    only_staleness = HaltConfig(
        max_drawdown=0, max_daily_drawdown=0, max_consecutive_losses=0, max_volatility=0,
        max_api_errors_per_min=0, max_staleness_s=limit_s,
    )  # fmt: skip
    market_open = (hours or MarketHours()).is_open(now_ns)
    inputs = HaltInputs(1.0, 1.0, 1.0, last_bar_ns=last_arrival_ns, now_ns=now_ns,
                        market_open=market_open)  # fmt: skip
    return evaluate_halt(only_staleness, inputs)
