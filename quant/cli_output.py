"""How CLI commands report: one ``emit`` for tables/records, JSON with ``--json``."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def _default(o: Any) -> Any:
    if isinstance(o, datetime | date):
        return o.isoformat()
    if isinstance(o, Path):
        return str(o)
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    if hasattr(o, "tolist"):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def to_json(obj: Any) -> str:
    """Serialise CLI output deterministically (sorted keys, ISO dates)."""
    return json.dumps(obj, default=_default, sort_keys=True, indent=2)


#: Fractions shown as percent (0.1234 -> "12.34%"); the JSON keeps the fraction.
PERCENT_KEYS = frozenset(
    {
        "total_return",
        "annual_return",
        "volatility",
        "max_drawdown",
        "win_rate",
        "exposure",
        "time_in_market",
        "var_95",
        "es_95",
    }
)
#: Dimensionless ratios shown with three fixed decimals.
RATIO_KEYS = frozenset(
    {"sharpe", "sortino", "calmar", "profit_factor", "turnover", "turnover_annual", "fitness"}
)
#: Integers that are identifiers, not quantities: never get thousands separators.
_ID_SUFFIXES = ("version", "seed", "pid", "line", "id")


def format_number(v: float | int, key: str = "") -> str:
    """Human form of a number: thousands separators, fixed decimals for ratios and percent.

    ``key`` (a column or field name) picks the form: PERCENT_KEYS as percent with two
    decimals, RATIO_KEYS with three, other floats with two decimals from 1,000 on and six
    significant digits below; integers get separators unless they are ids/versions.
    """
    if isinstance(v, int):
        return str(v) if key.endswith(_ID_SUFFIXES) else f"{v:,}"
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if key in PERCENT_KEYS:
        return f"{v:.2%}"
    if key in RATIO_KEYS:
        return f"{v:,.3f}"
    if abs(v) >= 1000:
        return f"{v:,.2f}"
    return f"{v:.6g}"


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Aligned text table of records (numbers formatted and right-aligned)."""
    if not rows:
        return "(none)"
    cols = list(columns or rows[0].keys())
    cells = [[_cell(r.get(c), c) for c in cols] for r in rows]
    numeric = [
        any(_is_number(r.get(c)) for r in rows)
        and all(_is_number(r.get(c)) or r.get(c) is None for r in rows)
        for c in cols
    ]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(cols), "  ".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    return "\n".join(out)


def _cell(v: Any, key: str = "") -> str:
    if v is None:
        return ""
    if _is_number(v):
        return format_number(v, key)
    return str(v)


def emit(obj: Any, as_json: bool, columns: Sequence[str] | None = None) -> None:
    """Print a result: JSON when asked, else a table (list of records) or key: value lines."""
    if as_json:
        typer.echo(to_json(obj))
    elif isinstance(obj, Sequence) and not isinstance(obj, str):
        typer.echo(format_table(obj, columns))
    elif isinstance(obj, Mapping):
        width = max((len(k) for k in obj), default=0)
        for k, v in obj.items():
            typer.echo(f"{k.ljust(width)}  {_cell(v, k)}")
    else:
        typer.echo(str(obj))
