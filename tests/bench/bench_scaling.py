"""Scaling out (``make bench``): sweep throughput on 1 process vs a Dask cluster of N worker
processes, and commit throughput of 1 vs 2 writers on S3-compatible storage (moto server).

Prints medians and ratios; asserts only that the results are the same (sweep) and that no
write was lost (object storage). Numbers go in docs/scaling.md. The machine's cores bound
the sweep speed-up: a cluster of N workers cannot beat the number of free cores.
"""

from __future__ import annotations

import multiprocessing as mp
import statistics
import time
import uuid

from quant.backtest.optimize import OptimizeRequest, run_optimization
from quant.backtest.optimize_results import results_table
from quant.data.store import DatasetStore
from tests.backtest.bars_fixture import write_bars
from tests.data.store import s3_workers

CAUSAL = "tests.backtest.causal_strategy"
GRID = ("fast=2:40:2", "slow=45:120:5")  # 20 x 16 = 320 candidates
REPEATS = 3
APPENDS = 8
BARS = 20_000


def _sweep(lake, executor: str, workers: int = 1) -> tuple[float, object]:
    req = OptimizeRequest(
        strategy=CAUSAL, symbol="TEST", grid=GRID, executor=executor, workers=workers
    )
    t = time.perf_counter()
    opt = run_optimization(lake, req)
    return time.perf_counter() - t, opt


def test_sweep_throughput_one_process_vs_a_dask_cluster(isolated_env, dask_cluster):
    lake = isolated_env / "lake"
    write_bars(lake, n=BARS)
    _, ref = _sweep(lake, "local")  # compile the kernels in this process
    _sweep(lake, f"dask:{dask_cluster.address}")  # ... and in every worker
    n = len(ref.search.candidates)
    times: dict[str, list[float]] = {"local, 1 process": [], "local, 2 processes": []}
    times["dask, 2 workers"] = []
    for _ in range(REPEATS):
        times["local, 1 process"].append(_sweep(lake, "local")[0])
        times["local, 2 processes"].append(_sweep(lake, "local", workers=2)[0])
        took, opt = _sweep(lake, f"dask:{dask_cluster.address}")
        times["dask, 2 workers"].append(took)
        assert results_table(opt).equals(results_table(ref))
    base = statistics.median(times["local, 1 process"])
    print(f"\nsweep of {n} candidates on {BARS} bars, median of {REPEATS}:")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:20s} {med:6.2f} s  {n / med:7.1f} cand/s  speed-up x{base / med:.2f}")


def test_concurrent_writers_on_object_storage(isolated_env, s3_server):
    bucket = "quant-bench"
    s3_server.create_bucket(bucket)
    options = s3_server.storage_options()
    ctx = mp.get_context("spawn")
    results = {}
    for writers in (1, 2):
        root = f"s3://{bucket}/{uuid.uuid4().hex[:8]}/lake"
        seed = DatasetStore(root, meta_dir=isolated_env / "m", storage_options=options)
        seed.append("ticks", s3_workers.rows("seed", 0))
        go = ctx.Barrier(writers + 1)
        procs = [
            ctx.Process(
                target=s3_workers.append_many,
                args=(root, str(isolated_env / f"m{w}"), options, "ticks", f"w{w}", APPENDS, go),
            )
            for w in range(writers)
        ]
        for p in procs:
            p.start()
        go.wait(120)
        t = time.perf_counter()
        for p in procs:
            p.join(300)
        took = time.perf_counter() - t
        assert [p.exitcode for p in procs] == [0] * writers
        rows = seed.read("ticks").height
        assert rows == 2 + 2 * APPENDS * writers  # no write lost
        results[writers] = (writers * APPENDS) / took
        print(
            f"\nobject storage, {writers} writer(s) x {APPENDS} appends: {took:5.2f} s, "
            f"{results[writers]:5.1f} commits/s, {len(seed.versions('ticks'))} versions"
        )
    print(f"  aggregate commit rate 2 writers / 1 writer: x{results[2] / results[1]:.2f}")
