"""Evaluate parameter sets on a Dask distributed cluster, results in candidate order.

The executor spec is ``local`` (the default: in-process or a spawned process pool),
``dask`` (the scheduler named by Dask's configuration, e.g. ``DASK_SCHEDULER_ADDRESS``; else a
``LocalCluster`` of ``workers`` spawned processes started for the run) or ``dask:ADDR``
(``tcp://host:8786``, an existing cluster). The same picklable evaluator factory as the
process pool travels with each chunk of ``(index, params)``; a worker builds its evaluator
once per factory (bars read from the lake by the worker, which must reach that lake: a
shared folder or object storage) and caches it. Results are gathered in submission order
and sorted by index, so the search is identical to the single-machine run. Only the
executor moves work; every random number is still drawn in the calling process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from quant.backtest.evaluate import BarRange, Evaluator, EvaluatorFactory
from quant.errors import QuantError

_CACHE_SIZE = 4  # evaluators kept per worker process (one per recent factory)
_cache: OrderedDict[str, Evaluator] = OrderedDict()
_cache_lock = threading.Lock()


class ExecutorError(QuantError):
    """The executor spec is malformed or its cluster cannot be reached."""


def parse_executor(spec: str) -> tuple[str, str | None]:
    """``local`` -> (local, None); ``dask`` -> (dask, None); ``dask:ADDR`` -> (dask, ADDR)."""
    kind, _, address = spec.strip().partition(":")
    if kind == "local" and not address:
        return "local", None
    if kind == "dask":
        return "dask", address or None
    raise ExecutorError(f"executor must be local, dask or dask:ADDRESS, got {spec!r}")


def _evaluator(factory: EvaluatorFactory) -> Evaluator:
    key = repr(factory)  # frozen dataclasses: the repr names every field of the recipe
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        evaluator = factory.build()
        _cache[key] = evaluator
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return evaluator


def evaluate_chunk(
    factory: EvaluatorFactory, chunk: list[tuple[int, dict[str, Any]]], bars: BarRange
) -> list[tuple[int, dict[str, Any]]]:
    """Worker side: metrics of each ``(index, params)`` of the chunk on the bar range."""
    evaluate = _evaluator(factory)
    return [(i, evaluate(p, bars)) for i, p in chunk]


class DaskBackend:
    """A Dask client (connected or with its own LocalCluster) that evaluates batches."""

    def __init__(self, factory: EvaluatorFactory, address: str | None, workers: int) -> None:
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as err:  # pragma: no cover - distributed is a dependency
            raise ExecutorError(f"the dask executor needs 'distributed' ({err})") from None
        self.factory = factory
        self._cluster: Any = None
        address = address or dask.config.get("scheduler-address", None)
        try:
            if address is None:
                self._cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",  # any free port
                )
                self.client = Client(self._cluster)
            else:
                self.client = Client(address, timeout="20s")
        except (OSError, TimeoutError) as err:
            self.close()
            raise ExecutorError(f"cannot reach the Dask scheduler {address}: {err}") from None

    def slots(self) -> int:
        """Worker threads in the cluster (at least 1)."""
        info = self.client.scheduler_info(n_workers=-1)["workers"]
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))

    def evaluate(
        self,
        batch: Sequence[dict[str, Any]],
        bars: BarRange,
        tick: Callable[[int], object],
    ) -> list[dict[str, Any]]:
        """Metrics of every parameter set, in the order given."""
        from distributed import as_completed

        tasks = list(enumerate(batch))
        size = max(1, len(tasks) // (self.slots() * 4))
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        futures = [
            self.client.submit(evaluate_chunk, self.factory, c, bars, pure=False) for c in chunks
        ]
        out: list[tuple[int, dict[str, Any]]] = []
        for fut in as_completed(futures):
            part = fut.result()
            tick(len(part))
            out.extend(part)
        out.sort(key=lambda pair: pair[0])
        return [metrics for _, metrics in out]

    def close(self) -> None:
        """Close the client (and the cluster this backend started)."""
        client = getattr(self, "client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
