"""Where a fresh process's first backtest spends its time: imports by package, numba, the rest.

Helper of ``bench_backtest.py`` and ``bench_dagster_run.py`` (not a bench itself). The probe
runs ``quant <args>`` in a child interpreter that times every module body it imports (a
meta-path wrapper around the file loaders, self time: nested imports excluded) and numba's
``Dispatcher.compile`` (outermost calls only: a cache load, or a compile with its callees),
so the breakdown reads:

* ``python``: interpreter start and exit (process wall minus the probe's own clock),
* ``imports``: module bodies by package group; kernel work inside an import (an eager
  signature) and modules numba imports while loading a kernel count as ``numba`` instead,
* ``numba``: kernel cache loads and compiles, with the number of kernels compiled,
* ``run``: everything else (reading the lake, features, the simulation, printing).

The timing wrappers add a little; the headline wall times come from plain runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Import groups printed (top-level package -> group); anything else is "other".
GROUPS = {
    "numba": "numba", "llvmlite": "numba", "scipy": "scipy", "polars": "polars",
    "_polars_runtime_32": "polars", "pyarrow": "pyarrow", "deltalake": "deltalake",
    "arro3": "deltalake", "pydantic": "pydantic", "pydantic_core": "pydantic",
    "pydantic_settings": "pydantic", "annotated_types": "pydantic", "typer": "typer",
    "click": "typer", "structlog": "structlog", "rich": "structlog", "numpy": "numpy",
    "quant": "quant", "strategies": "quant", "pandas": "pandas", "duckdb": "duckdb",
    "dagster": "dagster",
}  # fmt: skip

PROBE = r"""
import importlib.machinery as m, json, sys, time
T0 = time.perf_counter()
NB = {"seconds": 0.0, "compiled": 0, "depth": 0}
IMPORTS = {}  # top-level package -> seconds of module bodies (self, no kernel work)
STACK = []  # [child seconds] of the module bodies executing
FILE_LOADERS = (m.SourceFileLoader, m.SourcelessFileLoader, m.ExtensionFileLoader)


def _patch(dispatcher):
    from numba.core import event

    orig = dispatcher.Dispatcher.compile

    def compile(self, sig):
        NB["depth"] += 1
        t = time.perf_counter()
        try:
            return orig(self, sig)
        finally:
            NB["depth"] -= 1
            if NB["depth"] == 0:
                dt = time.perf_counter() - t
                NB["seconds"] += dt
                if STACK:
                    STACK[-1][0] += dt  # an eager kernel: numba's time, not the import's

    class Count(event.Listener):
        def on_start(self, ev):
            NB["compiled"] += 1

        def on_end(self, ev):
            pass

    dispatcher.Dispatcher.compile = compile
    event.register("numba:compile", Count())


class Timed:
    def find_spec(self, name, path=None, target=None):
        spec = None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
        if spec is None or not isinstance(spec.loader, FILE_LOADERS):
            return spec
        run = spec.loader.exec_module

        def exec_module(module):
            if NB["depth"]:  # imported by numba while loading a kernel: numba's time
                run(module)
            else:
                STACK.append([0.0])
                t = time.perf_counter()
                try:
                    run(module)
                finally:
                    dt = time.perf_counter() - t
                    child = STACK.pop()[0]
                    if STACK:
                        STACK[-1][0] += dt
                    top = name.split(".")[0]
                    IMPORTS[top] = IMPORTS.get(top, 0.0) + dt - child
            if name == "numba.core.dispatcher":
                _patch(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, Timed())
sys.argv = ["quant", *json.loads(sys.argv[1])]
from quant.cli import main

try:
    main()
finally:
    NB["wall"] = time.perf_counter() - T0
    NB["imports"] = IMPORTS
    sys.stdout.flush()
    print("\nFIRST_CALL " + json.dumps(NB))
"""


def env(**extra: str) -> dict[str, str]:
    """The child's environment: Python may write bytecode, as on a user's machine (some
    sandboxes set PYTHONDONTWRITEBYTECODE, which recompiles every module's source at import)."""
    out = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return out | extra


def _groups(by_top: dict[str, float]) -> dict[str, float]:
    """Seconds of module bodies by package group."""
    groups: dict[str, float] = defaultdict(float)
    for top, seconds in by_top.items():
        groups[GROUPS.get(top, "other")] += seconds
    return dict(groups)


def breakdown(args: list[str], cache_dir: str, lake: str) -> dict:
    """One ``quant <args>`` run in a fresh interpreter: process wall and its breakdown."""
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        env=env(NUMBA_CACHE_DIR=cache_dir, QUANT_LAKE=lake),
        cwd=ROOT, capture_output=True, text=True, timeout=900, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    nb = json.loads(out.stdout.rsplit("FIRST_CALL ", 1)[1])
    imports = _groups(nb["imports"])
    total_imports = sum(imports.values())
    return {
        "process": wall,
        "python": wall - nb["wall"],
        "imports": total_imports,
        "by_package": imports,
        "numba": nb["seconds"],
        "compiled": nb["compiled"],
        "run": nb["wall"] - total_imports - nb["seconds"],
    }


def print_breakdown(rows: dict[str, dict]) -> None:
    """A table: one column per run (e.g. empty / warm cache), seconds."""
    names = list(rows)

    def line(label: str, values: list[float], fmt: str = "12.3f") -> None:
        print(f"{label:26s}" + "".join(f"{v:{fmt}}" for v in values))

    groups = {g for r in rows.values() for g in r["by_package"]}
    biggest = sorted(groups, key=lambda g: -max(r["by_package"].get(g, 0.0) for r in rows.values()))
    print(f"\n{'seconds':26s}" + "".join(f"{n:>12s}" for n in names))
    for key in ("process", "python", "imports"):
        line(key, [rows[n][key] for n in names])
    for g in biggest:
        line("  " + g, [rows[n]["by_package"].get(g, 0.0) for n in names])
    line("numba load/compile", [rows[n]["numba"] for n in names])
    line("  kernels compiled", [rows[n]["compiled"] for n in names], "12d")
    line("run (read, features, sim)", [rows[n]["run"] for n in names])
