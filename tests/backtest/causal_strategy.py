"""A causal test strategy (trailing-mean crossover) following the engine's strategy protocol."""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from quant.core.jit import njit
from quant.core.sim.layout import DECIDE_SIG

NAME = "causal_test"
N_STATE = 1


class Params(BaseModel):
    """Long while the fast trailing mean is above the slow one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fast: int = Field(5, ge=1, le=50)
    slow: int = Field(20, ge=2, le=120)

    @model_validator(mode="after")
    def _order(self) -> Params:
        if self.fast >= self.slow:
            raise ValueError("fast must be < slow")
        return self


def _trailing_mean(x: np.ndarray, w: int) -> np.ndarray:
    c = np.concatenate([[0.0], np.cumsum(x)])
    out = np.full(len(x), np.nan)
    out[w - 1 :] = (c[w:] - c[:-w]) / w
    return out


def params_array(p: Params) -> np.ndarray:
    """Params as the float vector ``decide`` reads."""
    return np.array([float(p.fast), float(p.slow)])


def features(bars: dict, p: Params) -> np.ndarray:
    """[fast mean, slow mean] of the close, each over past bars only."""
    close = bars["close"]
    return np.column_stack([_trailing_mean(close, p.fast), _trailing_mean(close, p.slow)])


def init_state(p: Params) -> np.ndarray:
    """No state needed."""
    return np.zeros(N_STATE)


@njit(DECIDE_SIG)
def decide(feat, position, state, params):
    """+1 when fast > slow, 0 otherwise, NaN during warm-up."""
    if math.isnan(feat[0]) or math.isnan(feat[1]):
        return math.nan
    return 1.0 if feat[0] > feat[1] else 0.0
