"""HALT conditions of the live account: configuration and one pure evaluation.

The account conditions (total drawdown, daily drawdown, consecutive losses) and the
volatility condition are the simulator's own functions in ``quant.risk.limits``
(``account_halt``, ``volatility_halt``), so a HALT in a backtest and live trip on the same
numbers. Live adds two operational conditions: API errors in the last minute and data
staleness during market hours. Fractions, not percent (0.15 = 15 %).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from quant.core.sim.layout import HALT_CONSEC_LOSSES, HALT_DAILY_LOSS, HALT_DRAWDOWN, HALT_NONE
from quant.risk.limits import account_halt, volatility_halt

HaltActionName = Literal["close", "freeze"]

#: HALT codes, as stored in the ledger and shown by ``quant live status``.
ACCOUNT_CODES = {
    HALT_DAILY_LOSS: "daily_drawdown",
    HALT_DRAWDOWN: "total_drawdown",
    HALT_CONSEC_LOSSES: "consecutive_losses",
}


class HaltConfig(BaseModel):
    """When the live account halts and what it does then; 0 disables a numeric condition."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    max_drawdown: float = Field(0.15, ge=0, lt=1, description="Below the equity peak.")
    max_daily_drawdown: float = Field(0.02, ge=0, lt=1, description="Below the day's start.")
    max_consecutive_losses: int = Field(5, ge=0, description="Losing trades in a row.")
    max_volatility: float = Field(
        1.0, ge=0, description="Annualised volatility of any traded symbol (1.0 = 100 %)."
    )
    periods_per_year: float = Field(252.0, gt=0, description="Bars per year (annualisation).")
    max_api_errors_per_min: int = Field(10, ge=0, description="Broker/feed errors in 60 s.")
    max_staleness_s: float = Field(60.0, ge=0, description="No new bar while market is open.")
    action: HaltActionName = Field("close", description="close positions, or freeze them.")


@dataclass(frozen=True)
class HaltInputs:
    """What the conditions look at after a bar (equity in the quote currency, times in ns)."""

    equity: float
    day_start_equity: float
    peak_equity: float
    consecutive_losses: int = 0
    new_day: bool = False
    sigma: dict[str, float] = field(default_factory=dict)  # per-bar return std, past only
    api_errors_last_minute: int = 0
    last_bar_ns: int | None = None
    now_ns: int = 0
    market_open: bool = True


@dataclass(frozen=True)
class HaltTrigger:
    """A condition that fired: its code and a reason a human can act on."""

    code: str
    reason: str


def evaluate_halt(config: HaltConfig, x: HaltInputs) -> HaltTrigger | None:
    """The first HALT condition that holds (account, volatility, API errors, staleness)."""
    code = account_halt(
        HALT_NONE,
        x.new_day,
        float(x.equity),
        float(x.day_start_equity),
        float(x.peak_equity),
        float(x.consecutive_losses),
        config.max_daily_drawdown,
        config.max_drawdown,
        float(config.max_consecutive_losses),
    )
    if code != HALT_NONE:
        return HaltTrigger(ACCOUNT_CODES[code], _account_reason(code, config, x))
    for symbol in sorted(x.sigma):
        if volatility_halt(float(x.sigma[symbol]), config.periods_per_year, config.max_volatility):
            return HaltTrigger(
                "volatility",
                f"{symbol} annualised volatility above {config.max_volatility:.0%}",
            )
    limit = config.max_api_errors_per_min
    if limit and x.api_errors_last_minute >= limit:
        return HaltTrigger(
            "api_errors",
            f"{x.api_errors_last_minute} API errors in the last minute (limit {limit})",
        )
    if config.max_staleness_s and x.market_open and x.last_bar_ns is not None:
        age = (x.now_ns - x.last_bar_ns) / 1e9
        if age > config.max_staleness_s:
            return HaltTrigger(
                "stale_data", f"no new bar for {age:.0f} s (limit {config.max_staleness_s:.0f} s)"
            )
    return None


def _account_reason(code: int, c: HaltConfig, x: HaltInputs) -> str:
    if code == HALT_DRAWDOWN:
        dd = 1 - x.equity / x.peak_equity
        return f"drawdown {dd:.2%} from the peak {x.peak_equity:g} (limit {c.max_drawdown:.0%})"
    if code == HALT_CONSEC_LOSSES:
        return f"{x.consecutive_losses} losing trades in a row (limit {c.max_consecutive_losses})"
    dd = 1 - x.equity / x.day_start_equity
    return f"daily drawdown {dd:.2%} (limit {c.max_daily_drawdown:.0%})"
