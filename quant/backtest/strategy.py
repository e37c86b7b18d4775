"""Finding strategies by name and validating their params (the engine's view of strategies/).

A strategy is a module with ``NAME``, a frozen pydantic ``Params``, ``N_STATE``,
``params_array(p) -> float64[:]``, ``features(bars: Mapping[str, float64[:]], p) -> float64[n, K]``,
``init_state(p) -> float64[N_STATE]`` and ``decide`` (a numba function called with the types
of ``quant.core.sim.layout.DECIDE_SIG``; declared ``@njit`` without that eager signature, so
importing a strategy compiles nothing: numba compiles it, or loads it from the cache, the
first time the simulator receives it).

The documented way to get ``features`` is one declaration, ``feature_specs(p) ->
tuple[quant.core.streaming.Indicator, ...]``, and ``features, features_init, features_step =
derive_features(feature_specs)``: the batch form the backtest calls and the streaming form
(``features_init(p, n_symbols)``, ``features_step(p, state, rows)``) the live engine needs,
equal bit for bit. A hand-written ``features`` still backtests but cannot run live.
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
    """No strategy of that name is registered (or no module at that dotted path)."""


class StrategyImportError(QuantError):
    """A strategy exists but its module failed to import (the original error is the cause)."""


class InvalidParamsError(QuantError):
    """Strategy params fail validation (unknown name, out of bounds, fast >= slow, ...)."""


def available() -> list[str]:
    """Names of the registered strategies."""
    return sorted(importlib.import_module("strategies").REGISTRY)


def _import(path: str, label: str) -> ModuleType:
    """Import a strategy module; tell a missing module from one whose own import fails."""
    try:
        return importlib.import_module(path)
    except ModuleNotFoundError as e:
        if e.name is not None and (path == e.name or path.startswith(e.name + ".")):
            raise UnknownStrategyError(f"no strategy module {path!r}") from e
        raise StrategyImportError(f"strategy {label!r} failed to import: {e}") from e
    except Exception as e:
        raise StrategyImportError(f"strategy {label!r} failed to import: {e!r}") from e


def resolve(strategy: str | ModuleType) -> ModuleType:
    """The strategy module for a registered name, a dotted module path, or a module itself.

    UnknownStrategyError when there is no such strategy; StrategyImportError (chained to the
    original exception) when the strategy's module exists but fails to import.
    """
    if isinstance(strategy, str):
        registry = importlib.import_module("strategies")
        if "." in strategy:
            mod = _import(strategy, strategy)
        elif strategy in registry.REGISTRY:
            mod = _import(registry.REGISTRY[strategy], strategy)
        else:
            raise UnknownStrategyError(
                f"unknown strategy {strategy!r}; available: {', '.join(available())}"
            )
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
