"""Compile cost of the indicator kernels: first import + first call, cold vs warm cache.

Each measurement runs in a fresh subprocess. Cold: NUMBA_CACHE_DIR points at an empty
temp folder, so every kernel is compiled. Warm: the same folder again, so every kernel
is loaded from numba's on-disk cache. Prints seconds; asserts only that both runs
computed the same numbers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import json, time
t0 = time.perf_counter()
import numpy as np
from quant.core import indicators as ind
from quant.core import kalman
t1 = time.perf_counter()
x = 100 + np.cumsum(np.random.default_rng(0).normal(size=64))
X = np.column_stack([x, x + 1])
h, l, v = x + 1, x - 1, np.abs(x)
calls = {
    "sma": lambda a: ind.sma(a, 5), "ema": lambda a: ind.ema(a, 5), "wma": lambda a: ind.wma(a, 5),
    "rsi": lambda a: ind.rsi(a), "atr": lambda a: ind.atr(a + 1, a - 1, a),
    "macd": lambda a: ind.macd(a)[0], "bbands": lambda a: ind.bbands(a)[0],
    "stoch": lambda a: ind.stoch(a + 1, a - 1, a)[0], "willr": lambda a: ind.willr(a + 1, a - 1, a),
    "vwap": lambda a: ind.vwap(a, np.abs(a), 5), "zscore": lambda a: ind.zscore(a, 5),
    "rolling_std": lambda a: ind.rolling_std(a, 5), "log_returns": ind.log_returns,
    "rolling_max": lambda a: ind.rolling_max(a, 5), "rolling_min": lambda a: ind.rolling_min(a, 5),
    "crossover": lambda a: ind.crossover(a, a[::-1].copy()),
    "crossunder": lambda a: ind.crossunder(a, a[::-1].copy()),
}
per = {}
checksum = 0.0
for name, f in calls.items():
    s = time.perf_counter()
    checksum += float(np.nansum(f(x))) + float(np.nansum(f(X)))
    per[name] = time.perf_counter() - s
s = time.perf_counter()
checksum += float(np.nansum(kalman.local_level(x, 1.0, 1.0)[0]))
checksum += float(np.nansum(kalman.local_trend(x, 1.0, 0.1, 1.0)[0]))
per["kalman"] = time.perf_counter() - s
print(json.dumps({"import": t1 - t0, "calls": sum(per.values()), "per": per, "checksum": checksum}))
"""


def _probe(cache_dir: Path) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir)}
    env.pop("QUANT_DISABLE_JIT", None)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, cwd=root, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_compile_cost_cold_vs_warm_cache(tmp_path: Path) -> None:
    # Act
    cold = _probe(tmp_path / "numba-cache")
    warm = _probe(tmp_path / "numba-cache")
    # Report
    print("\nindicator compile cost (fresh process; 1-D and 2-D kernel of each indicator)")
    print(f"{'':14s}{'cold cache s':>14s}{'warm cache s':>14s}")
    print(f"{'import':14s}{cold['import']:14.2f}{warm['import']:14.2f}")
    for name in cold["per"]:
        print(f"{name:14s}{cold['per'][name]:14.2f}{warm['per'][name]:14.3f}")
    print(f"{'all calls':14s}{cold['calls']:14.2f}{warm['calls']:14.2f}")
    # Assert: the cached machine code computes the same numbers
    assert cold["checksum"] == warm["checksum"]
