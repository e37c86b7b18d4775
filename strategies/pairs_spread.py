"""Pairs spread mean reversion on a model's hedge ratio (from the ``pairs_1d`` dataset).

Inputs per bar besides the first leg's OHLCV: ``x_close`` (the second leg's close) and the
rolling OLS fit ``hedge_alpha``, ``hedge_beta``, ``hedge_resid_sd`` (quant.models.hedge):
extra input columns of the bars, so the hedge ratio is read, never re-estimated here or in
``decide`` (live feeds the model's latest parameters the same way).

spread = close - alpha - beta * x_close;  z = spread / resid_sd (NaN in the model warm-up).
Long the first leg when z < -``entry`` (it is cheap against the second), short it when
z > ``entry`` (with ``short``), flat when |z| < ``exit``. Only the first leg is traded: the
simulator keeps one instrument per symbol and a symbol's features see only its own bars.
Features per bar: (z,). No state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from quant.core.indicators.inputs import IndicatorInputError
from quant.core.jit import njit

NAME = "pairs_spread"
N_STATE = 1
#: Extra input columns the bars must carry (see quant.models.pairs_data).
INPUTS = ("x_close", "hedge_alpha", "hedge_beta", "hedge_resid_sd")


class Params(BaseModel):
    """Entry and exit thresholds in residual standard deviations (exit < entry)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    entry: float = Field(2.0, gt=0.0, le=10.0)
    exit: float = Field(0.5, ge=0.0, le=10.0)
    short: bool = True

    @model_validator(mode="after")
    def _exit_inside_entry(self) -> Params:
        if self.exit >= self.entry:
            raise ValueError(f"exit ({self.exit}) must be < entry ({self.entry})")
        return self


def params_array(p: Params) -> np.ndarray:
    """[entry, exit, short] as float64."""
    return np.array([p.entry, p.exit, float(p.short)])


def features(bars: Mapping[str, np.ndarray], p: Params) -> np.ndarray:
    """float64[n, 1]: the spread's z-score against the model's residual std."""
    missing = [c for c in INPUTS if c not in bars]
    if missing:
        raise IndicatorInputError(
            f"{NAME} needs the pair model's columns {missing}: backtest it on the pairs_1d "
            "dataset (quant models fit pairs) rather than plain bars"
        )
    y, x = bars["close"], bars["x_close"]
    sd = bars["hedge_resid_sd"]
    s = y - bars["hedge_alpha"] - bars["hedge_beta"] * x
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0.0, s / sd, np.nan)
    return np.ascontiguousarray(z.reshape(-1, 1))


def init_state(p: Params) -> np.ndarray:
    """Unused (kept for the common protocol)."""
    return np.zeros(N_STATE)


@njit  # no eager signature: compiled (or loaded from cache) when first used
def decide(feat: np.ndarray, position: float, state: np.ndarray, params: np.ndarray) -> float:
    """+1 below -entry, -1 above +entry (if short), 0 inside +-exit, else NaN (hold)."""
    z = feat[0]
    if math.isnan(z):
        return math.nan
    entry, ex, short = params[0], params[1], params[2] != 0.0
    if z < -entry:
        return 1.0
    if z > entry:
        return -1.0 if short else 0.0
    if abs(z) < ex:
        return 0.0
    return math.nan
