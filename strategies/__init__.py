"""Strategies: one module each, a frozen pydantic Params model plus a numba decision function.

Every module follows the protocol in ``quant.backtest.strategy``; ``get(name)`` looks one up.
Strategies import only ``quant.core`` (and numba / numpy / pydantic).
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: Registered strategies: name -> module.
REGISTRY: dict[str, str] = {
    "sma_crossover": "strategies.sma_crossover",
    "rsi_mean_reversion": "strategies.rsi_mean_reversion",
    "zscore_reversion": "strategies.zscore_reversion",
    "pairs_spread": "strategies.pairs_spread",
}


def get(name: str) -> ModuleType:
    """The strategy module registered as ``name`` (KeyError if there is none)."""
    return importlib.import_module(REGISTRY[name])
