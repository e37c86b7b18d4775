"""A cheat that peeks one bar ahead only on rare bars: long just before the next bar jumps."""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from quant.core.jit import njit
from quant.core.sim.layout import DECIDE_SIG

NAME = "peeking_test"
N_STATE = 1


class Params(BaseModel):
    """Long for one bar when the NEXT bar's return exceeds ``jump`` (the lookahead)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    jump: float = Field(0.12, gt=0.0)


def params_array(p: Params) -> np.ndarray:
    """Params as the float vector ``decide`` reads."""
    return np.array([p.jump])


def features(bars: dict, p: Params) -> np.ndarray:
    """The next bar's simple return (NaN on the last bar given): the peek under test."""
    close = bars["close"]
    nxt = np.full(len(close), np.nan)
    nxt[:-1] = close[1:] / close[:-1] - 1.0
    return nxt.reshape(-1, 1)


def init_state(p: Params) -> np.ndarray:
    """No state needed."""
    return np.zeros(N_STATE)


@njit(DECIDE_SIG)
def decide(feat, position, state, params):
    """+1 before a jump the strategy cannot know of yet, else flat."""
    if math.isnan(feat[0]):
        return 0.0
    return 1.0 if feat[0] > params[0] else 0.0
