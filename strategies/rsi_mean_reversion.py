"""RSI mean reversion: buy an oversold market, sell it back once the RSI recovers.

Long when RSI < ``lower``; flat when RSI > ``exit``; with ``short``, short when RSI > ``upper``
and flat again when it falls below ``100 - exit``. Features per bar: (RSI,). No state.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from quant.core.jit import njit
from quant.core.streaming import Indicator, derive_features

NAME = "rsi_mean_reversion"
N_STATE = 1


class Params(BaseModel):
    """RSI period and levels (0..100), ``lower < exit < upper``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    period: int = Field(14, ge=2, le=500)
    lower: float = Field(30.0, gt=0.0, lt=100.0)
    exit: float = Field(50.0, gt=0.0, lt=100.0)
    upper: float = Field(70.0, gt=0.0, lt=100.0)
    short: bool = False

    @model_validator(mode="after")
    def _ordered_levels(self) -> Params:
        if not self.lower < self.exit < self.upper:
            raise ValueError(
                f"need lower < exit < upper, got {self.lower}, {self.exit}, {self.upper}"
            )
        return self


def params_array(p: Params) -> np.ndarray:
    """[period, lower, exit, upper, short] as float64."""
    return np.array([p.period, p.lower, p.exit, p.upper, float(p.short)])


def feature_specs(p: Params) -> tuple[Indicator, ...]:
    """(RSI,): the RSI of the close (TA-Lib convention, NaN warm-up)."""
    return (Indicator("rsi", "close", p.period),)


#: batch ``features(bars, p)`` and streaming ``features_init/features_step``, one declaration
features, features_init, features_step = derive_features(feature_specs)


def init_state(p: Params) -> np.ndarray:
    """Unused (kept for the common protocol)."""
    return np.zeros(N_STATE)


@njit  # no eager signature: compiled (or loaded from cache) when first used
def decide(feat: np.ndarray, position: float, state: np.ndarray, params: np.ndarray) -> float:
    """+1 oversold, -1 overbought (if short), 0 once back past the exit level, else NaN."""
    r = feat[0]
    if math.isnan(r):
        return math.nan
    lower, ex, upper, short = params[1], params[2], params[3], params[4] != 0.0
    if r < lower:
        return 1.0
    if short and r > upper:
        return -1.0
    if position > 0.0 and r > ex:
        return 0.0
    if position < 0.0 and r < 100.0 - ex:
        return 0.0
    return math.nan
