"""EvaluationPool reports progress once per evaluated parameter set, serial or in workers."""

import subprocess
import sys
import textwrap

import pytest

from quant.backtest.evaluate import EvaluationPool
from tests.backtest.toy_strategy import ToyFactory, write_toy_data


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_is_called_once_per_parameter_set_and_results_keep_order(tmp_path, workers):
    factory = ToyFactory(write_toy_data(tmp_path / "toy.npz"))
    batch = [{"fast": f, "slow": 30} for f in range(5, 12)]
    ticks: list[int] = []
    with EvaluationPool(factory, workers, progress=ticks.append) as pool:
        got = pool.evaluate(batch)
    with EvaluationPool(factory) as pool:
        expected = pool.evaluate(batch)
    assert ticks == [1] * len(batch)
    assert got == expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_a_worker_reuses_freed_arrays_instead_of_faulting_in_fresh_pages():
    """What ``_init_worker`` sets up: 40 rounds of allocating, touching and freeing the
    arrays of a backtest (3 MB) fault in about their pages once, not once per round (a
    fresh process, so this test's own heap is not tuned)."""
    probe = textwrap.dedent(
        """
        import resource
        import numpy as np
        from quant.backtest.evaluate import _keep_freed_memory
        _keep_freed_memory()
        def round_():
            arrays = [np.empty(50_000) for _ in range(8)]
            for a in arrays:
                a.fill(1.0)
        round_()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(40):
            round_()
        print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
        """
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    pages_per_round = 8 * 50_000 * 8 // 4096
    assert int(out.stdout) < pages_per_round  # 40 rounds without the tuning: ~40x this
