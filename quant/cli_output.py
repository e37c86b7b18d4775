"""How CLI commands report: one ``emit`` for tables/records, JSON with ``--json``."""

from __future__ import annotations

import json
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


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """Plain aligned text table of records (the human form of a command's output)."""
    if not rows:
        return "(none)"
    cols = list(columns or rows[0].keys())
    cells = [[_cell(r.get(c)) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
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
            typer.echo(f"{k.ljust(width)}  {_cell(v)}")
    else:
        typer.echo(str(obj))
