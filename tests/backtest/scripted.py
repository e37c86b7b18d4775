"""A test strategy that replays hand-made targets: the simulator's behaviour in isolation."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
from pydantic import BaseModel, ConfigDict

from quant.core.jit import njit
from quant.core.sim.layout import DECIDE_SIG


class Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@njit(DECIDE_SIG)
def decide(feat, position, state, params):
    """Return the scripted target of this bar (NaN = no decision)."""
    state[0] += 1.0
    return feat[0] if not math.isnan(feat[0]) else math.nan


def scripted(*targets: list[float] | np.ndarray) -> SimpleNamespace:
    """A strategy module whose target for symbol j at bar t is ``targets[j][t]``."""
    queue = [np.asarray(t, dtype=np.float64) for t in targets]
    calls = {"i": 0}

    def features(bars: dict, p: Params) -> np.ndarray:
        col = queue[calls["i"] % len(queue)]
        calls["i"] += 1
        return col[: len(bars["close"])].reshape(-1, 1)

    return SimpleNamespace(
        NAME="scripted",
        Params=Params,
        N_STATE=1,
        params_array=lambda p: np.zeros(1),
        features=features,
        init_state=lambda p: np.zeros(1),
        decide=decide,
    )
