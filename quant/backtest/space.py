"""Parameter spaces for the optimiser: ``k=a:b:step`` grid specs checked against Params bounds.

A space is a tuple of dimensions, each a finite, ordered list of values for one field of a
strategy's pydantic ``Params`` model, plus fixed values for some other fields. Grid search
walks the Cartesian product; the genetic search encodes a candidate as one index per
dimension. Fields neither searched nor fixed keep their default. A combination the Params
model rejects (a cross-field rule such as ``fast < slow``) is not a candidate: grid search
skips it, the genetic search gives it the worst fitness.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import annotated_types as at
from pydantic import BaseModel, TypeAdapter, ValidationError

from quant.errors import QuantError

#: Points of a float dimension derived from bounds alone (no grid step given).
FLOAT_POINTS = 21
#: Largest grid a search accepts (a guard against a typo such as ``slow=1:1e9:1``).
MAX_GRID = 1_000_000

_SPEC = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^:]+):([^:]+):([^:]+)\s*")


class ParamSpaceError(QuantError):
    """A grid spec is malformed, names an unknown field, or leaves the field's bounds."""


@dataclass(frozen=True)
class Dimension:
    """One searched field and its candidate values (ascending)."""

    name: str
    values: tuple[int | float, ...]


@dataclass(frozen=True)
class ParamSpace:
    """The searched fields of a Params model; other fields keep their defaults."""

    model: type[BaseModel]
    dims: tuple[Dimension, ...]
    fixed: tuple[tuple[str, Any], ...] = ()  # (name, value) pairs applied to every candidate

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the searched fields, in search order."""
        return tuple(d.name for d in self.dims)

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of values per dimension."""
        return tuple(len(d.values) for d in self.dims)

    @property
    def size(self) -> int:
        """Number of combinations (valid or not)."""
        return math.prod(self.shape)

    def params_at(self, index: Sequence[int]) -> dict[str, Any]:
        """Fixed and searched values of one candidate given one index per dimension."""
        searched = {d.name: d.values[int(i)] for d, i in zip(self.dims, index, strict=True)}
        return dict(self.fixed) | searched

    def grid(self) -> Iterator[dict[str, Any]]:
        """Every combination in lexicographic index order (first dimension slowest)."""
        for idx in itertools.product(*(range(n) for n in self.shape)):
            yield self.params_at(idx)

    def validate(self, params: dict[str, Any]) -> BaseModel | None:
        """The Params instance for these values, or None if the model rejects them."""
        try:
            return self.model(**params)
        except ValidationError:
            return None


def field_bounds(model: type[BaseModel], name: str) -> tuple[float, float, bool, bool, bool]:
    """(low, high, low_inclusive, high_inclusive, is_int) of a numeric Params field."""
    if name not in model.model_fields:
        known = ", ".join(model.model_fields)
        raise ParamSpaceError(f"{model.__name__} has no parameter {name!r} (known: {known})")
    field = model.model_fields[name]
    if field.annotation not in (int, float):
        raise ParamSpaceError(f"parameter {name!r} is not numeric ({field.annotation})")
    lo, hi, lo_inc, hi_inc = -math.inf, math.inf, True, True
    for m in field.metadata:
        if isinstance(m, at.Ge):
            lo, lo_inc = float(m.ge), True
        elif isinstance(m, at.Gt):
            lo, lo_inc = float(m.gt), False
        elif isinstance(m, at.Le):
            hi, hi_inc = float(m.le), True
        elif isinstance(m, at.Lt):
            hi, hi_inc = float(m.lt), False
    return lo, hi, lo_inc, hi_inc, field.annotation is int


def _inside(v: float, lo: float, hi: float, lo_inc: bool, hi_inc: bool) -> bool:
    return (v >= lo if lo_inc else v > lo) and (v <= hi if hi_inc else v < hi)


def _number(text: str, spec: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ParamSpaceError(f"grid spec {spec!r}: {text!r} is not a number") from None


def parse_grid_spec(model: type[BaseModel], spec: str) -> Dimension:
    """``name=a:b:step`` (inclusive of b when on the step) as a Dimension inside the bounds."""
    m = _SPEC.fullmatch(spec)
    if not m:
        raise ParamSpaceError(f"grid spec {spec!r} is not of the form name=start:stop:step")
    name = m.group(1)
    a, b, step = (_number(m.group(i), spec) for i in (2, 3, 4))
    lo, hi, lo_inc, hi_inc, is_int = field_bounds(model, name)
    if not (step > 0 and b >= a):
        raise ParamSpaceError(f"grid spec {spec!r}: need step > 0 and stop >= start")
    if is_int and not all(float(x).is_integer() for x in (a, b, step)):
        raise ParamSpaceError(f"grid spec {spec!r}: {name} is an integer parameter")
    n = math.floor((b - a) / step + 1e-9) + 1
    if n > MAX_GRID:
        raise ParamSpaceError(f"grid spec {spec!r} has {n} points (max {MAX_GRID})")
    values = [int(a) + int(step) * i if is_int else round(a + step * i, 12) for i in range(n)]
    for v in (values[0], values[-1]):
        if not _inside(v, lo, hi, lo_inc, hi_inc):
            lo_s = f"{'[' if lo_inc else '('}{lo:g}, {hi:g}{']' if hi_inc else ')'}"
            raise ParamSpaceError(f"grid spec {spec!r}: {name}={v:g} is outside {lo_s}")
    return Dimension(name, tuple(values))


def _bounded_dimension(model: type[BaseModel], name: str) -> Dimension | None:
    lo, hi, lo_inc, hi_inc, is_int = field_bounds(model, name)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    if is_int:
        first = math.ceil(lo) + (0 if lo_inc or not lo.is_integer() else 1)
        last = math.floor(hi) - (0 if hi_inc or not hi.is_integer() else 1)
        return Dimension(name, tuple(range(first, last + 1))) if last >= first else None
    pts = [lo + (hi - lo) * i / (FLOAT_POINTS - 1) for i in range(FLOAT_POINTS)]
    pts = [round(p, 12) for p in pts if _inside(p, lo, hi, lo_inc, hi_inc)]
    return Dimension(name, tuple(pts)) if pts else None


def fixed_values(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """Each ``name=value`` validated alone against its field (type and bounds)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in model.model_fields:
            known = ", ".join(model.model_fields)
            raise ParamSpaceError(f"{model.__name__} has no parameter {name!r} (known: {known})")
        field = model.model_fields[name]
        ann = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
        try:
            out[name] = TypeAdapter(ann).validate_python(value)
        except ValidationError as err:
            msg = err.errors()[0]["msg"]
            raise ParamSpaceError(f"parameter {name}={value!r}: {msg}") from None
    return out


def build_space(
    model: type[BaseModel],
    specs: Sequence[str] = (),
    from_bounds: bool = False,
    fixed: Mapping[str, Any] | None = None,
) -> ParamSpace:
    """Space from grid specs; with ``from_bounds``, every other bounded numeric field joins.

    A bounded int field spans every integer in its bounds; a bounded float field gets
    ``FLOAT_POINTS`` evenly spaced values. ``fixed`` values (validated per field) apply to
    every candidate and are never searched. Other fields keep their defaults.
    """
    dims = [parse_grid_spec(model, s) for s in specs]
    names = [d.name for d in dims]
    if len(set(names)) != len(names):
        raise ParamSpaceError(f"a parameter is given twice in {list(specs)}")
    pinned = fixed_values(model, fixed or {})
    both = sorted(set(pinned) & set(names))
    if both:
        raise ParamSpaceError(f"{both} cannot be both searched (--grid) and fixed (--param)")
    if from_bounds:
        for name, field in model.model_fields.items():
            if name in names or name in pinned or field.annotation not in (int, float):
                continue
            dim = _bounded_dimension(model, name)
            if dim is not None:
                dims.append(dim)
    if not dims:
        raise ParamSpaceError(
            f"nothing to search: give --grid specs or bound the fields of {model.__name__}"
        )
    space = ParamSpace(model, tuple(dims), tuple(sorted(pinned.items())))
    if space.size > MAX_GRID and not from_bounds:
        raise ParamSpaceError(f"the grid has {space.size} combinations (max {MAX_GRID})")
    return space
