"""SMA crossover: long when the fast average crosses above the slow one, flat (or short) below.

``fast = 1`` means the close itself: buy when the close crosses above the slow SMA, exit when
it crosses below. A cross needs both averages on the previous bar and on this one (warm-up
NaN gives no decision). Features per bar: (fast, slow). State: (previous fast, previous slow).
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from quant.core.jit import njit
from quant.core.streaming import Indicator, derive_features

NAME = "sma_crossover"
N_STATE = 2


class Params(BaseModel):
    """fast < slow bar counts; ``short`` turns the exit into a short position."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    fast: int = Field(10, ge=1, le=500)
    slow: int = Field(50, ge=2, le=2000)
    short: bool = False

    @model_validator(mode="after")
    def _fast_below_slow(self) -> Params:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be < slow ({self.slow})")
        return self


def params_array(p: Params) -> np.ndarray:
    """[fast, slow, short] as float64 for the decision function."""
    return np.array([p.fast, p.slow, float(p.short)])


def feature_specs(p: Params) -> tuple[Indicator, ...]:
    """(fast, slow): the fast SMA of the close (the close itself when fast = 1), the slow SMA."""
    fast = Indicator("value", "close") if p.fast == 1 else Indicator("sma", "close", p.fast)
    return (fast, Indicator("sma", "close", p.slow))


#: batch ``features(bars, p)`` and streaming ``features_init/features_step``, one declaration
features, features_init, features_step = derive_features(feature_specs)


def init_state(p: Params) -> np.ndarray:
    """No previous averages yet."""
    return np.full(N_STATE, np.nan)


@njit  # no eager signature: compiled (or loaded from cache) when first used
def decide(feat: np.ndarray, position: float, state: np.ndarray, params: np.ndarray) -> float:
    """+1 on a cross above, 0 (or -1 with ``short``) on a cross below, else NaN."""
    f, s = feat[0], feat[1]
    pf, ps = state[0], state[1]
    state[0], state[1] = f, s
    if math.isnan(f) or math.isnan(s) or math.isnan(pf) or math.isnan(ps):
        return math.nan
    if pf <= ps and f > s:
        return 1.0
    if pf >= ps and f < s:
        return -1.0 if params[2] != 0.0 else 0.0
    return math.nan
