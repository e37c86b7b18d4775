"""Feature specs: declarative (kernel, params, input columns) -> named output columns.

A spec list is validated once (unknown kernel, parameter or bad output name -> a
:class:`FeatureSpecError` naming the spec); input columns are checked against the bars
when features are computed. Inputs may name bar columns or outputs of earlier specs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from quant.core.indicators.inputs import IndicatorInputError, period, positive
from quant.errors import QuantError
from quant.features.kernels import KERNELS

NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
RESERVED = frozenset({"symbol", "ts"})


class FeatureSpecError(QuantError):
    """A feature spec is invalid, or names a column the bars do not have."""


class FeatureSpec(BaseModel):
    """One kernel call: ``outputs = kernel(*inputs, **params)``, one column per output."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kernel: str
    params: dict[str, int | float] = {}
    inputs: tuple[str, ...] | None = None  # None: the kernel's default bar columns
    outputs: tuple[str, ...]

    @model_validator(mode="after")
    def _check(self) -> FeatureSpec:
        k = KERNELS.get(self.kernel)
        if k is None:
            raise ValueError(
                f"unknown kernel '{self.kernel}' (known: {', '.join(sorted(KERNELS))})"
            )
        known = {**k.int_params, **k.float_params}
        unknown = sorted(set(self.params) - set(known))
        if unknown:
            raise ValueError(
                f"kernel '{k.name}' has no parameter {unknown} (parameters: {sorted(known)})"
            )
        missing = [p for p, d in known.items() if d is None and p not in self.params]
        if missing:
            raise ValueError(f"kernel '{k.name}' needs parameter(s) {missing}")
        try:
            for p in k.int_params:
                if p in self.params:
                    period(p, self.params[p])
            for p in k.float_params:
                if p in self.params:
                    positive(p, self.params[p])
        except IndicatorInputError as exc:
            raise ValueError(f"kernel '{k.name}': {exc}") from None
        if self.inputs is None and any(d is None for d in k.defaults):
            raise ValueError(f"kernel '{k.name}' needs inputs for {list(k.inputs)}")
        if len(self.columns) != len(k.inputs):
            raise ValueError(
                f"kernel '{k.name}' takes {len(k.inputs)} input(s) {list(k.inputs)}, "
                f"got {list(self.columns)}"
            )
        if len(self.outputs) != k.outputs:
            raise ValueError(f"kernel '{k.name}' has {k.outputs} output(s), got {self.outputs}")
        for name in (*self.columns, *self.outputs):
            if not NAME.fullmatch(name):
                raise ValueError(f"column name '{name}' must match {NAME.pattern}")
        for name in self.outputs:
            if name in RESERVED:
                raise ValueError(f"output name '{name}' is reserved")
        return self

    @property
    def columns(self) -> tuple[str, ...]:
        """The input columns, defaults filled in."""
        if self.inputs is not None:
            return self.inputs
        return tuple(d or "" for d in KERNELS[self.kernel].defaults)

    def call_params(self) -> dict[str, int | float]:
        """Parameters as the kernel takes them (ints for periods, floats for multipliers)."""
        k = KERNELS[self.kernel]
        return {p: int(v) if p in k.int_params else float(v) for p, v in self.params.items()}


def validate_specs(specs: Iterable[FeatureSpec | Mapping[str, Any]]) -> list[FeatureSpec]:
    """Validate a spec list: each spec, unique output names, inputs defined before use."""
    out: list[FeatureSpec] = []
    for i, raw in enumerate(specs):
        try:
            spec = raw if isinstance(raw, FeatureSpec) else FeatureSpec.model_validate(raw)
        except ValidationError as exc:
            msgs = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise FeatureSpecError(f"feature spec #{i}: {msgs}") from None
        out.append(spec)
    seen: set[str] = set()
    for spec in out:
        dup = seen.intersection(spec.outputs)
        if dup:
            raise FeatureSpecError(f"output column(s) {sorted(dup)} defined twice")
        seen.update(spec.outputs)
    if not out:
        raise FeatureSpecError("the feature spec list is empty")
    return out


def _s(kernel: str, outputs: str | tuple[str, ...], inputs=None, **params: int | float):
    outs = (outputs,) if isinstance(outputs, str) else outputs
    return FeatureSpec(kernel=kernel, params=params, inputs=inputs, outputs=outs)


#: The default feature set for daily bars.
DAILY_SPECS: list[FeatureSpec] = [
    _s("log_returns", "log_return"),
    _s("rolling_std", "vol_20", inputs=("log_return",), n=20),
    _s("sma", "sma_20", n=20),
    _s("sma", "sma_50", n=50),
    _s("ema", "ema_12", n=12),
    _s("ema", "ema_26", n=26),
    _s("wma", "wma_20", n=20),
    _s("rsi", "rsi_14", n=14),
    _s("atr", "atr_14", n=14),
    _s("macd", ("macd", "macd_signal", "macd_hist"), fast=12, slow=26, signal=9),
    _s("bbands", ("bb_upper", "bb_middle", "bb_lower"), n=20, k=2.0),
    _s("stoch", ("stoch_k", "stoch_d"), fastk=14, slowk=3, slowd=3),
    _s("willr", "willr_14", n=14),
    _s("vwap", "vwap_20", n=20),
    _s("zscore", "zscore_20", n=20),
    _s("rolling_max", "high_20", inputs=("high",), n=20),
    _s("rolling_min", "low_20", inputs=("low",), n=20),
    _s("crossover", "cross_up_sma_20", inputs=("close", "sma_20")),
    _s("crossunder", "cross_down_sma_20", inputs=("close", "sma_20")),
]
