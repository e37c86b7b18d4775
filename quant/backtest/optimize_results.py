"""The ``optimizations`` dataset: one row per evaluated candidate, test window and summary.

Rows of one run share ``run_id``. ``phase`` says what a row is: ``search`` (a candidate of a
full-sample search), ``train`` (a candidate on a walk-forward train window), ``test`` (the
chosen parameters on the following test window, ``candidate = -1``) or ``oos`` (the stitched
out-of-sample metrics, ``window = -1``, ``candidate = -1``). ``params`` is JSON with sorted
keys; ``fitness`` is null when undefined; every metric of ``Metrics`` is its own column.
Rows are upserted on ``(run_id, window, phase, candidate)``, so writing a run twice changes
nothing but the version. Lineage: the bars dataset version; the commit's extra metadata
holds the run id, seed, strategy, objective and method (the store adds the code version).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pyarrow as pa

from quant.backtest.metrics import Metrics
from quant.backtest.optimize import Optimization
from quant.backtest.runner import engine_config
from quant.backtest.search import Candidate
from quant.data.store import DatasetStore, VersionInfo

DATASET = "optimizations"
KEY = ("run_id", "window", "phase", "candidate")

_BASE = [
    ("run_id", pa.string()),
    ("strategy", pa.string()),
    ("dataset", pa.string()),
    ("dataset_version", pa.int64()),
    ("symbol", pa.string()),
    ("method", pa.string()),
    ("objective", pa.string()),
    ("seed", pa.int64()),
    ("window", pa.int64()),
    ("phase", pa.string()),
    ("candidate", pa.int64()),
    ("generation", pa.int64()),
    ("bar_start", pa.int64()),
    ("bar_end", pa.int64()),
    ("params", pa.string()),
    ("fitness", pa.float64()),
    ("is_best", pa.bool_()),
]


def _arrow_type(annotation: Any) -> pa.DataType:
    if annotation is bool:
        return pa.bool_()
    if annotation is int:
        return pa.int64()
    if annotation in (float, float | None):
        return pa.float64()
    return pa.string()


SCHEMA = pa.schema(
    _BASE + [(n, _arrow_type(f.annotation)) for n, f in Metrics.model_fields.items()]
)


def _fitness(f: float) -> float | None:
    return f if math.isfinite(f) else None


def _row(
    opt: Optimization,
    window: int,
    phase: str,
    bars: tuple[int, int],
    params: dict[str, Any],
    metrics: dict[str, Any],
    cand: Candidate | None = None,
    best: bool = False,
) -> dict[str, Any]:
    req = opt.request
    row = {
        "run_id": opt.run_id,
        "strategy": req.strategy,
        "dataset": req.dataset,
        "dataset_version": opt.bars_version,
        "symbol": req.symbol,
        "method": req.method,
        "objective": req.objective,
        "seed": req.seed if req.genetic else None,
        "window": window,
        "phase": phase,
        "candidate": cand.index if cand else -1,
        "generation": cand.generation if cand else -1,
        "bar_start": bars[0],
        "bar_end": bars[1],
        "params": json.dumps(params, sort_keys=True),
        "fitness": _fitness(cand.fitness) if cand else None,
        "is_best": best,
    }
    return row | {n: metrics.get(n) for n in Metrics.model_fields}


def result_rows(opt: Optimization) -> list[dict[str, Any]]:
    """Every row of the run (see the module docstring)."""
    rows: list[dict[str, Any]] = []
    if opt.search is not None:
        best = opt.search.best.index
        for c in opt.search.candidates:
            rows.append(
                _row(opt, -1, "search", (0, opt.n_bars), c.params, c.metrics, c, c.index == best)
            )
        return rows
    assert opt.walk is not None
    for wr in opt.walk.windows:
        w, best = wr.window, wr.search.best
        for c in wr.search.candidates:
            train = (w.train_start, w.train_end)
            rows.append(_row(opt, w.index, "train", train, c.params, c.metrics, c, c is best))
        test = (w.test_start, w.test_end)
        rows.append(_row(opt, w.index, "test", test, best.params, wr.test_metrics.to_dict()))
    first, last = opt.walk.windows[0].window, opt.walk.windows[-1].window
    span = (first.test_start, last.test_end)
    rows.append(_row(opt, -1, "oos", span, {}, opt.walk.stitched.to_dict()))
    return rows


def results_table(opt: Optimization) -> pa.Table:
    """The run's rows as an Arrow table with the dataset's fixed schema."""
    return pa.Table.from_pylist(result_rows(opt), schema=SCHEMA)


def write_optimization(
    store: DatasetStore, opt: Optimization, author: str | None = None
) -> VersionInfo:
    """Upsert the run into ``optimizations`` with lineage to the bars version and the seed."""
    req = opt.request
    return store.upsert(
        DATASET,
        results_table(opt),
        key=KEY,
        message=f"optimize {req.strategy} on {req.dataset}/{req.symbol} ({req.method})",
        author=author,
        lineage={req.dataset: opt.bars_version},
        extra={
            "run_id": opt.run_id,
            "seed": str(req.seed),
            "strategy": req.strategy,
            "objective": req.objective,
            "method": req.method,
            "walk_forward": _wf(req.walk_forward),
        },
    )


def top_table(opt: Optimization, n: int = 10) -> list[dict[str, Any]]:
    """The n best candidates of the full-sample search, or per-window results of a walk."""
    obj = opt.request.objective
    if opt.search is not None:
        return [
            {"rank": i + 1, "candidate": c.index, **c.params, obj: c.metrics.get(obj),
             "fitness": _fitness(c.fitness)}
            for i, c in enumerate(opt.search.top(n))
        ]  # fmt: skip
    assert opt.walk is not None
    return [
        {"window": wr.window.index, "test": f"{wr.window.test_start}:{wr.window.test_end}",
         **wr.search.best.params, f"train_{obj}": wr.search.best.metrics.get(obj),
         f"test_{obj}": wr.test_metrics.to_dict().get(obj)}
        for wr in opt.walk.windows
    ]  # fmt: skip


def summary(opt: Optimization, n: int = 10) -> dict[str, Any]:
    """JSON-safe summary of a run: ids, best parameters, top table, out-of-sample metrics."""
    req = opt.request
    out: dict[str, Any] = {
        "run_id": opt.run_id,
        "strategy": req.strategy,
        "dataset": req.dataset,
        "dataset_version": opt.bars_version,
        "symbol": req.symbol,
        "method": req.method,
        "objective": req.objective,
        "seed": req.seed,
        "start": None if req.start is None else req.start.isoformat(),
        "end": None if req.end is None else req.end.isoformat(),
        "model": engine_config(req.config).describe(),
        "space": {d.name: [d.values[0], d.values[-1], len(d.values)] for d in opt.space.dims},
        "best_params": opt.best_params,
        "top": top_table(opt, n),
    }
    if opt.search is not None:
        out["best_fitness"] = _fitness(opt.search.best.fitness)
        out["evaluated"] = len(opt.search.candidates)
        out["invalid"] = opt.search.n_invalid
    else:
        assert opt.walk is not None
        out["walk_forward"] = _wf(req.walk_forward)
        out["oos_metrics"] = opt.walk.stitched.to_dict()
    return _json_safe(out)


def _wf(spec: tuple[int, int] | None) -> str:
    return "" if spec is None else f"{spec[0]}:{spec[1]}"


def _json_safe(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _json_safe(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_safe(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v
