"""Finding strategies by name and validating their params (the engine's view of strategies/).

A strategy is a module with ``NAME``, a frozen pydantic ``Params``, ``N_STATE``,
``params_array(p) -> float64[:]``, ``features(bars: dict[str, float64[:]], p) -> float64[n, K]``,
``init_state(p) -> float64[N_STATE]`` and ``decide`` (a numba function of signature
``quant.core.sim.layout.DECIDE_SIG``).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ValidationError

from quant.errors import QuantError

_REQUIRED = ("NAME", "Params", "N_STATE", "params_array", "features", "init_state", "decide")


class UnknownStrategyError(QuantError):
    """No strategy of that name is registered."""


class InvalidParamsError(QuantError):
    """Strategy params fail validation (unknown name, out of bounds, fast >= slow, ...)."""


def available() -> list[str]:
    """Names of the registered strategies."""
    return sorted(importlib.import_module("strategies").REGISTRY)


def resolve(strategy: str | ModuleType) -> ModuleType:
    """The strategy module for a registered name (or a module following the protocol)."""
    if isinstance(strategy, str):
        registry = importlib.import_module("strategies")
        try:
            mod = registry.get(strategy)
        except KeyError:
            raise UnknownStrategyError(
                f"unknown strategy {strategy!r}; available: {', '.join(available())}"
            ) from None
    else:
        mod = strategy
    missing = [a for a in _REQUIRED if not hasattr(mod, a)]
    if missing:
        raise UnknownStrategyError(
            f"{getattr(mod, '__name__', mod)!r} is not a strategy: no {missing}"
        )
    return mod


def validate_params(strategy: ModuleType, params: BaseModel | Mapping[str, Any] | None) -> Any:
    """The strategy's frozen ``Params`` from a model, a mapping or None (defaults)."""
    cls = strategy.Params
    if isinstance(params, cls):
        return params
    try:
        return cls(**dict(params or {}))
    except ValidationError as err:
        probs = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in err.errors()
        )
        raise InvalidParamsError(f"{strategy.NAME}: {probs}") from None
