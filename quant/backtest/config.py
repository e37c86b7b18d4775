"""Backtest configuration: a validated pydantic model, flattened for the numba simulator.

Units: money in quote currency; fee and slippage rates are fractions/bps as named; limits are
fractions (0.05 = 5 %). The default costs are defined here once (``DEFAULT_FEES``,
``DEFAULT_SLIPPAGE``: 5 bps of notional per fill + 2 bps constant slippage) and every entry
point uses them: ``run_backtest`` without a config, ``quant backtest`` / ``quant optimize``
without ``--fees`` / ``--slippage``, and the Dagster backtest and optimisation assets.
``describe()`` states the fill timing, fee and slippage model so every report prints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from quant.core.records import ORDER_LIMIT, ORDER_MARKET, ORDER_STOP, TIF_DAY, TIF_GTC, TIF_IOC
from quant.core.sim import layout as lay

FillTiming = Literal["next_open", "next_close", "same_close"]
SlipModel = Literal["none", "constant", "linear", "sqrt"]
SizingRule = Literal["fixed", "fraction", "risk", "vol", "kelly"]

_TIMING = {"next_open": lay.FILL_NEXT_OPEN, "next_close": lay.FILL_NEXT_CLOSE}
_TIMING["same_close"] = lay.FILL_SAME_CLOSE
_SLIP = {"none": lay.SLIP_NONE, "constant": lay.SLIP_CONSTANT, "linear": lay.SLIP_LINEAR}
_SLIP["sqrt"] = lay.SLIP_SQRT
_SIZE = {"fixed": lay.SIZE_FIXED, "fraction": lay.SIZE_FRACTION, "risk": lay.SIZE_RISK}
_SIZE |= {"vol": lay.SIZE_VOL, "kelly": lay.SIZE_KELLY}
_ORDER = {"market": ORDER_MARKET, "limit": ORDER_LIMIT, "stop": ORDER_STOP}
_TIF = {"gtc": TIF_GTC, "day": TIF_DAY, "ioc": TIF_IOC}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Fees(_Frozen):
    """Fee per fill: ``max(pct * notional + fixed, minimum)``."""

    pct: float = Field(0.0, ge=0.0, le=0.1, description="fraction of notional (0.001 = 10 bps)")
    fixed: float = Field(0.0, ge=0.0, description="per fill, quote currency")
    minimum: float = Field(0.0, ge=0.0, description="minimum per fill, quote currency")

    def describe(self) -> str:
        """Human-readable fee model."""
        if self.pct == 0 and self.fixed == 0 and self.minimum == 0:
            return "none"
        return f"{self.pct * 1e4:g} bps + {self.fixed:g} fixed, min {self.minimum:g} per fill"


class Slippage(_Frozen):
    """Slippage model: constant (param = bps), linear (param x participation), sqrt impact."""

    model: SlipModel = "none"
    param: float = Field(0.0, ge=0.0)

    def describe(self) -> str:
        """Human-readable slippage model."""
        return {
            "none": "none",
            "constant": f"constant {self.param:g} bps",
            "linear": f"linear {self.param:g} x participation",
            "sqrt": f"square-root impact {self.param:g} x sigma x sqrt(q/ADV)",
        }[self.model]


#: The default costs of every backtest (library, CLI and assets): 5 bps fees, 2 bps slippage.
DEFAULT_FEES = Fees(pct=0.0005)
DEFAULT_SLIPPAGE = Slippage(model="constant", param=2.0)


class Sizing(_Frozen):
    """How many units an entry buys: fixed units, fraction of equity, risk, vol target, Kelly."""

    rule: SizingRule = "fraction"
    value: float = Field(1.0, gt=0.0)
    shrink_for_slippage: bool = Field(False, description="smaller size where impact is larger")

    def describe(self) -> str:
        """Human-readable sizing rule."""
        return f"{self.rule}:{self.value:g}" + (
            " (slippage-aware)" if self.shrink_for_slippage else ""
        )


class RiskLimits(_Frozen):
    """Limits and HALT conditions (0 = not set); ``halt_action`` closes or freezes positions."""

    max_position: float = Field(0.0, ge=0.0, description="position notional / equity")
    max_exposure: float = Field(0.0, ge=0.0, description="gross notional / equity")
    max_daily_loss: float = Field(0.0, ge=0.0, lt=1.0)
    max_drawdown: float = Field(0.0, ge=0.0, lt=1.0)
    max_consecutive_losses: int = Field(0, ge=0)
    max_volatility: float = Field(0.0, ge=0.0, description="annualised; halts the symbol")
    halt_action: Literal["close", "freeze"] = "close"


class BacktestConfig(_Frozen):
    """Everything about a backtest except the strategy, its params and the bars."""

    cash: float = Field(100_000.0, gt=0.0)
    fill_timing: FillTiming = "next_open"
    fees: Fees = DEFAULT_FEES
    slippage: Slippage = DEFAULT_SLIPPAGE
    slippage_per_symbol: dict[str, Slippage] = Field(default_factory=dict)
    participation: float = Field(0.0, ge=0.0, le=1.0, description="0 = no volume cap")
    clamp_slippage_to_bar: bool = Field(
        False,
        description="clamp slipped prices into the bar's [low, high]; drops part of the "
        "slippage (off: slippage applies in full, as in vectorbt and backtrader)",
    )
    entry_order: Literal["market", "limit", "stop"] = "market"
    entry_offset: float = Field(0.0, ge=0.0, lt=1.0, description="limit/stop distance from close")
    time_in_force: Literal["gtc", "day", "ioc"] = "gtc"
    stop_loss: float = Field(0.0, ge=0.0, lt=1.0, description="bracket stop, fraction of entry")
    take_profit: float = Field(0.0, ge=0.0, description="bracket target, fraction of entry")
    allow_short: bool = False
    sizing: Sizing = Sizing()
    risk: RiskLimits = RiskLimits()
    periods_per_year: float = Field(252.0, gt=0.0)
    stats_window: int = Field(20, ge=2, le=10_000, description="bars for sigma / ADV")

    @model_validator(mode="after")
    def _check(self) -> BacktestConfig:
        if self.sizing.rule == "risk" and self.stop_loss == 0.0 and self.sizing.value > 0.5:
            raise ValueError("risk sizing risks at most 50 % of equity per trade")
        return self

    def needs_market_stats(self) -> bool:
        """True if a rule uses sigma / mu / ADV (sqrt impact, vol/Kelly/risk sizing, shrink)."""
        slips = [self.slippage, *self.slippage_per_symbol.values()]
        return (
            self.sizing.shrink_for_slippage
            or any(s.model == "sqrt" for s in slips)
            or self.sizing.rule in ("vol", "kelly")
            or (self.sizing.rule == "risk" and self.stop_loss == 0.0)
            or self.risk.max_volatility > 0.0
        )

    def slippage_for(self, symbol: str) -> Slippage:
        """The slippage model of one symbol (per-symbol override, else the default)."""
        return self.slippage_per_symbol.get(symbol, self.slippage)

    def to_vector(self) -> np.ndarray:
        """The simulator's ``cfg`` vector (slots ``C_*`` in ``quant.core.sim.layout``)."""
        v = np.zeros(lay.N_CFG)
        r = self.risk
        v[lay.C_CASH] = self.cash
        v[lay.C_FILL_TIMING] = _TIMING[self.fill_timing]
        v[lay.C_FEE_PCT], v[lay.C_FEE_FIXED], v[lay.C_FEE_MIN] = (
            self.fees.pct, self.fees.fixed, self.fees.minimum,
        )  # fmt: skip
        v[lay.C_PARTICIPATION] = self.participation
        v[lay.C_TIF] = _TIF[self.time_in_force]
        v[lay.C_ENTRY_TYPE] = _ORDER[self.entry_order]
        v[lay.C_ENTRY_OFFSET] = self.entry_offset
        v[lay.C_STOP_LOSS] = self.stop_loss
        v[lay.C_TAKE_PROFIT] = self.take_profit
        v[lay.C_ALLOW_SHORT] = float(self.allow_short)
        v[lay.C_SIZING] = _SIZE[self.sizing.rule]
        v[lay.C_SIZE_PARAM] = self.sizing.value
        v[lay.C_SHRINK] = float(self.sizing.shrink_for_slippage)
        v[lay.C_PPY] = self.periods_per_year
        v[lay.C_MAX_POS] = r.max_position
        v[lay.C_MAX_EXPOSURE] = r.max_exposure
        v[lay.C_MAX_DAILY_LOSS] = r.max_daily_loss
        v[lay.C_MAX_DRAWDOWN] = r.max_drawdown
        v[lay.C_MAX_CONSEC] = r.max_consecutive_losses
        v[lay.C_VOL_HALT] = r.max_volatility
        v[lay.C_HALT_ACTION] = lay.HALT_ACTION_CLOSE if r.halt_action == "close" else 1
        v[lay.C_CLAMP] = float(self.clamp_slippage_to_bar)
        return v

    def cost_matrix(self, symbols: Sequence[str]) -> np.ndarray:
        """Per-symbol slippage parameters ``float64[n_symbols, N_COST]``."""
        out = np.zeros((len(symbols), lay.N_COST))
        for i, sym in enumerate(symbols):
            sl = self.slippage_for(sym)
            out[i, lay.K_SLIP_MODEL] = _SLIP[sl.model]
            out[i, lay.K_SLIP_PARAM] = sl.param
        return out

    def describe(self) -> dict[str, str]:
        """Fill timing, fee, slippage and sizing models in words (every report states them)."""
        slip = self.slippage.describe()
        if self.slippage_per_symbol:
            slip += "; " + ", ".join(
                f"{k}: {v.describe()}" for k, v in sorted(self.slippage_per_symbol.items())
            )
        timing = {
            "next_open": "decision at bar t's close, market fill at bar t+1's open",
            "next_close": "decision at bar t's close, market fill at bar t+1's close",
            "same_close": "decision and market fill at bar t's close (optimistic)",
        }[self.fill_timing]
        return {
            "fill_timing": timing,
            "fees": self.fees.describe(),
            "slippage": slip,
            "sizing": self.sizing.describe(),
            "participation": f"{self.participation:g} of bar volume"
            if self.participation
            else "no cap",
            "entry_order": f"{self.entry_order} ({self.time_in_force})",
            "slippage_clamp": "on: slipped prices clamped into the bar's [low, high]"
            if self.clamp_slippage_to_bar
            else "off: slippage applies in full (fills may lie outside the bar's range)",
        }
