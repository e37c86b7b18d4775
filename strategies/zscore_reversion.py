"""Z-score mean reversion: fade moves of the close away from its rolling mean.

z = (close - mean) / std over ``window`` bars. Long when z < -``entry``; short when
z > ``entry`` (with ``short``); flat when |z| < ``exit``. Features per bar: (z,). No state.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from quant.core.jit import njit
from quant.core.streaming import Indicator, derive_features

NAME = "zscore_reversion"
N_STATE = 1


class Params(BaseModel):
    """Rolling window in bars; entry and exit thresholds in standard deviations (exit < entry)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    window: int = Field(20, ge=3, le=2000)
    entry: float = Field(2.0, gt=0.0, le=10.0)
    exit: float = Field(0.5, ge=0.0, le=10.0)
    short: bool = False

    @model_validator(mode="after")
    def _exit_inside_entry(self) -> Params:
        if self.exit >= self.entry:
            raise ValueError(f"exit ({self.exit}) must be < entry ({self.entry})")
        return self


def params_array(p: Params) -> np.ndarray:
    """[window, entry, exit, short] as float64."""
    return np.array([p.window, p.entry, p.exit, float(p.short)])


def feature_specs(p: Params) -> tuple[Indicator, ...]:
    """(z,): the rolling z-score of the close (NaN warm-up)."""
    return (Indicator("zscore", "close", p.window),)


#: batch ``features(bars, p)`` and streaming ``features_init/features_step``, one declaration
features, features_init, features_step = derive_features(feature_specs)


def init_state(p: Params) -> np.ndarray:
    """Unused (kept for the common protocol)."""
    return np.zeros(N_STATE)


@njit  # no eager signature: compiled (or loaded from cache) when first used
def decide(feat: np.ndarray, position: float, state: np.ndarray, params: np.ndarray) -> float:
    """+1 below -entry, -1 above +entry (if short), 0 inside +-exit, else NaN."""
    z = feat[0]
    if math.isnan(z):
        return math.nan
    entry, ex, short = params[1], params[2], params[3] != 0.0
    if z < -entry:
        return 1.0
    if z > entry:
        return -1.0 if short else 0.0
    if abs(z) < ex:
        return 0.0
    return math.nan
