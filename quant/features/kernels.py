"""The kernels a feature spec may name: public batch indicators and their signatures."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from quant.core import indicators as ind

#: Array arguments of the indicator wrappers, and the bar column each reads by default.
_ARRAY_ARGS = {
    "x": "close",
    "close": "close",
    "high": "high",
    "low": "low",
    "volume": "volume",
    "a": None,
    "b": None,
}


@dataclass(frozen=True)
class Kernel:
    """A batch indicator usable from a spec: its inputs, parameters and output count."""

    name: str
    func: Callable
    inputs: tuple[str, ...]  # argument names of the input arrays, in order
    defaults: tuple[str | None, ...]  # default input column per argument (None: must be given)
    int_params: dict[str, int | None]  # name -> default (None: required)
    float_params: dict[str, float | None]
    outputs: int


def _kernel(name: str, outputs: int = 1) -> Kernel:
    func = getattr(ind, name)
    inputs, ints, floats = [], {}, {}
    for p in inspect.signature(func).parameters.values():
        default = None if p.default is inspect.Parameter.empty else p.default
        if p.name in _ARRAY_ARGS:
            inputs.append(p.name)
        elif p.annotation in ("int", int):
            ints[p.name] = default
        elif p.annotation in ("float", float):
            floats[p.name] = default
        else:  # pragma: no cover - guards the registry against new signatures
            raise TypeError(f"indicator {name}: cannot describe parameter {p.name}")
    return Kernel(
        name=name,
        func=func,
        inputs=tuple(inputs),
        defaults=tuple(_ARRAY_ARGS[i] for i in inputs),
        int_params=ints,
        float_params=floats,
        outputs=outputs,
    )


KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in [
        _kernel("sma"),
        _kernel("ema"),
        _kernel("wma"),
        _kernel("rsi"),
        _kernel("atr"),
        _kernel("macd", outputs=3),
        _kernel("bbands", outputs=3),
        _kernel("stoch", outputs=2),
        _kernel("willr"),
        _kernel("vwap"),
        _kernel("zscore"),
        _kernel("rolling_std"),
        _kernel("log_returns"),
        _kernel("rolling_max"),
        _kernel("rolling_min"),
        _kernel("crossover"),
        _kernel("crossunder"),
    ]
}
