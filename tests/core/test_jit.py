"""The numba cache folder is keyed by the code, so an edit in any kernel file is picked up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quant.core import jit

ROOT = Path(__file__).resolve().parents[2]


def _tree(tmp_path: Path) -> tuple[Path, ...]:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "fills.py").write_text("def fill(x):\n    return x + 1\n")
    (pkg / "sub" / "loop.py").write_text("from pkg.fills import fill\n")
    return (pkg,)


def test_code_key_changes_when_a_called_file_changes_but_not_otherwise(tmp_path):
    roots = _tree(tmp_path)
    before = jit.code_key(roots)
    assert jit.code_key(roots) == before  # deterministic
    (roots[0] / "fills.py").write_text("def fill(x):\n    return x + 2\n")
    assert jit.code_key(roots) != before


def test_code_key_changes_when_a_file_is_added_or_renamed(tmp_path):
    roots = _tree(tmp_path)
    before = jit.code_key(roots)
    (roots[0] / "sub" / "loop.py").rename(roots[0] / "sub" / "loop2.py")
    renamed = jit.code_key(roots)
    (roots[0] / "extra.py").write_text("")
    assert len({before, renamed, jit.code_key(roots)}) == 3


def test_cache_dir_is_under_numba_cache_dir_when_set(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert jit.cache_dir() == tmp_path / jit.code_key()


def test_cache_dir_defaults_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert jit.cache_dir() == tmp_path / "quant" / "numba" / jit.code_key()


def test_a_fresh_process_writes_compiled_kernels_into_the_keyed_folder(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("QUANT_DISABLE_JIT", None)
    code = (
        "import numba, numpy as np\n"
        "from quant.core.indicators import sma\n"
        "sma(np.arange(10.0), 3)\n"
        "print(numba.config.CACHE_DIR)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    keyed = tmp_path / jit.code_key()
    assert out.stdout.strip() == str(keyed)
    assert any(keyed.rglob("*.nbi")), "no numba index written in the keyed folder"


_TWO_STRATEGIES = """
import json, numpy as np
from quant.backtest.bars import from_arrays
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import run_backtest
from quant.core.sim.loop import plan_for, specialised
from strategies import rsi_mean_reversion, sma_crossover
c = 100 + np.cumsum(np.random.default_rng(0).normal(0, 1, 3000))
b = from_arrays(np.arange(3000) * 86400 * 10**9, c)
out = {}
for mod in (sma_crossover, rsi_mean_reversion):
    r = run_backtest(mod, b)
    k = specialised(mod.decide, plan_for(BacktestConfig().to_vector()))
    out[mod.NAME] = [float(r.equity[-1]), len(r.trades), sum(k.stats.cache_hits.values()),
                     sum(k.stats.cache_misses.values())]
print(json.dumps(out))
"""


def test_specialised_loops_are_served_from_disk_in_a_fresh_process_each_its_own(tmp_path):
    import json

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("QUANT_DISABLE_JIT", None)
    runs = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", _TWO_STRATEGIES], env=env, capture_output=True,
                text=True, check=True,
            ).stdout
        )
        for _ in range(2)
    ]  # fmt: skip
    first, second = runs
    for name in ("sma_crossover", "rsi_mean_reversion"):
        assert first[name][:2] == second[name][:2]  # same trades from the cached machine code
        assert first[name][2:] == [0, 1]  # compiled in the first process
        assert second[name][2:] == [1, 0]  # loaded, not compiled, in the second
    assert first["sma_crossover"][:2] != first["rsi_mean_reversion"][:2]


def test_function_key_follows_the_source_file_and_is_none_without_one(tmp_path):
    import importlib.util

    path = tmp_path / "user_strategy.py"

    def load():
        spec = importlib.util.spec_from_file_location("user_strategy", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod.decide

    path.write_text("def helper(x):\n    return x\n\ndef decide(x):\n    return helper(x)\n")
    before = jit.function_key(load())
    assert before is not None and before.startswith("user_strategy.decide:")
    path.write_text("def helper(x):\n    return -x\n\ndef decide(x):\n    return helper(x)\n")
    assert jit.function_key(load()) != before  # a helper in the same file changed
    namespace: dict = {}
    exec("def decide(x):\n    return x\n", namespace)  # typed in a REPL: no file
    assert jit.function_key(namespace["decide"]) is None


@pytest.mark.skipif(jit.DISABLED, reason="kernels run as plain Python")
def test_a_kernel_called_with_constants_from_a_kernel_compiles_once():
    @jit.njit(cache=False)
    def inner(x, k):
        return x * k

    @jit.njit(cache=False)
    def outer(x):
        return inner(x, 2) + inner(x, 3) + inner(x, 4.0)  # two int constants, one float

    assert outer(1.5) == 1.5 * 2 + 1.5 * 3 + 1.5 * 4.0
    assert sorted(str(s) for s in inner.signatures) == [
        "(float64, float64)",
        "(float64, int64)",
    ]  # not one per constant (Literal[int](2), Literal[int](3))
