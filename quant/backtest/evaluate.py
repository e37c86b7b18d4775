"""Evaluate parameter sets serially or in spawned worker processes, results in candidate order.

An *evaluator factory* is a small, picklable description of the work (e.g. a strategy name,
a lake path, a dataset name and version, a symbol); ``build()`` loads what it needs (bars
from the store) and returns the evaluator, ``(params, bar range) -> metrics dict`` (the range
lets walk-forward search a training window without restarting the workers). Each worker
process builds its evaluator once in its initializer; nothing big is pickled to it. A factory
may offer ``for_workers(folder) -> factory``: the pool then calls it once in the parent with a
temporary folder (removed when the pool closes) and hands the workers that lighter recipe
instead (the backtest factory writes its loaded bars there as ``.npy`` files, which the
workers memory-map: they import neither polars nor the store and do not read the lake). The
workers live as long as the pool, so every batch after the first (genetic generations,
walk-forward windows) reuses them; each batch goes out in about four chunks per worker (the
start cost is paid once per worker, not per chunk). Workers are started with the ``spawn``
method (a process forked after ``deltalake`` was used can hang). Results are returned in the
order of the submitted candidates, never in completion order, so a search is identical serial or
parallel as long as the evaluator is deterministic. ``executor="dask"`` / ``"dask:ADDR"``
sends the same work to a Dask cluster instead (``dask_pool.py``), with the same guarantee.
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any, Protocol

#: ``(params, bar range [start, end) or None for all bars) -> metrics dict``.
BarRange = tuple[int, int] | None
Evaluator = Callable[[dict[str, Any], BarRange], dict[str, Any]]


class EvaluatorFactory(Protocol):
    """Picklable recipe of an evaluator; ``build`` runs once per process."""

    def build(self) -> Evaluator:
        """Load the inputs and return ``(params, bar range) -> metrics dict``."""
        ...


_worker_evaluator: Evaluator | None = None


def worker_factory(factory: EvaluatorFactory, folder: str) -> EvaluatorFactory:
    """What local workers get: ``factory.for_workers(folder)`` when the factory has it."""
    prepare = getattr(factory, "for_workers", None)
    return prepare(folder) if prepare is not None else factory


def _keep_freed_memory() -> None:
    """glibc only: keep freed blocks up to 32 MiB in the heap for reuse (``mallopt``).

    A worker allocates and frees the same arrays for every parameter set. With glibc's
    defaults a worker could return them to the kernel each time and fault fresh zeroed pages
    in again (measured: 166k page faults and 1.5-2x the time for 300 backtests of 50k bars
    in some spawned workers, 0.8 s and ~100 faults in others and in every one with this).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # <malloc.h>
    libc.mallopt(m_mmap_threshold, 32 << 20)  # glibc's maximum on 64-bit
    libc.mallopt(m_trim_threshold, 256 << 20)


def _init_worker(factory: EvaluatorFactory) -> None:
    global _worker_evaluator  # one evaluator per worker process, by design
    import numba

    _keep_freed_memory()

    # the pool's processes are the parallelism: a many-symbol backtest's parallel kernels
    # (features, market statistics) run on one thread in each instead of oversubscribing
    numba.set_num_threads(1)
    _worker_evaluator = factory.build()


def _evaluate_indexed(
    task: tuple[int, dict[str, Any], BarRange],
) -> tuple[int, dict[str, Any]]:
    index, params, bars = task
    assert _worker_evaluator is not None, "worker initialiser did not run"
    return index, _worker_evaluator(params, bars)


class EvaluationPool:
    """Context manager evaluating batches of parameter sets; ``workers=1`` runs in-process.

    ``executor``: ``local`` (this machine), ``dask`` or ``dask:ADDR`` (a Dask cluster; see
    ``quant.backtest.dask_pool``; ``workers`` then sizes a cluster started for the run).
    """

    def __init__(
        self,
        factory: EvaluatorFactory,
        workers: int = 1,
        progress: Callable[[int], object] | None = None,
        executor: str = "local",
    ) -> None:
        from quant.backtest.dask_pool import parse_executor

        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.factory = factory
        self.workers = workers
        self.progress = progress  # called with 1 after each evaluated parameter set
        self.kind, self.address = parse_executor(executor)
        self._serial: Evaluator | None = None
        self._executor: ProcessPoolExecutor | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._dask: Any = None

    def __enter__(self) -> EvaluationPool:
        if self.kind == "dask":
            from quant.backtest.dask_pool import DaskBackend

            self._dask = DaskBackend(self.factory, self.address, self.workers)
        elif self.workers == 1:
            self._serial = self.factory.build()
        else:
            self._folder = tempfile.TemporaryDirectory(prefix="quant-pool-")
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=mp.get_context("spawn"),
                initializer=_init_worker,
                initargs=(worker_factory(self.factory, self._folder.name),),
            )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        if self._dask is not None:
            self._dask.close()
            self._dask = None
        self._serial = None

    def evaluate(
        self, batch: Sequence[dict[str, Any]], bars: BarRange = None
    ) -> list[dict[str, Any]]:
        """Metrics dict of every parameter set on the bar range, in the order given."""
        if self._serial is not None:
            return [self._tick(self._serial(p, bars)) for p in batch]
        if self._dask is not None:
            return self._dask.evaluate(batch, bars, self._ticks)
        if self._executor is None:
            raise RuntimeError("EvaluationPool used outside its `with` block")
        chunk = max(1, len(batch) // (self.workers * 4))
        tasks = [(i, p, bars) for i, p in enumerate(batch)]
        out = [self._tick(r) for r in self._executor.map(_evaluate_indexed, tasks, chunksize=chunk)]
        out.sort(key=lambda pair: pair[0])
        return [metrics for _, metrics in out]

    def _ticks(self, n: int) -> None:
        for _ in range(n):
            self._tick(None)

    def _tick(self, result: Any) -> Any:
        if self.progress is not None:
            self.progress(1)
        return result
