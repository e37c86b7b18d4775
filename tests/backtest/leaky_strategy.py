"""A deliberately leaky test strategy: it normalises by the max of the WHOLE history given."""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from quant.core.jit import njit
from quant.core.sim.layout import DECIDE_SIG

NAME = "leaky_test"
N_STATE = 1


class Params(BaseModel):
    """Long while the close is within ``threshold`` of the all-time (future included) high."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: float = Field(0.9, gt=0.0, lt=1.0)


def params_array(p: Params) -> np.ndarray:
    """Params as the float vector ``decide`` reads."""
    return np.array([p.threshold])


def features(bars: dict, p: Params) -> np.ndarray:
    """close / max(close over every bar handed in): the lookahead bug under test."""
    close = bars["close"]
    return (close / np.nanmax(close)).reshape(-1, 1)


def init_state(p: Params) -> np.ndarray:
    """No state needed."""
    return np.zeros(N_STATE)


@njit(DECIDE_SIG)
def decide(feat, position, state, params):
    """+1 above the threshold, 0 below."""
    if math.isnan(feat[0]):
        return math.nan
    return 1.0 if feat[0] > params[0] else 0.0
