"""An evaluator factory reporting which heavy modules its process imported and its numba
thread count (for pool tests)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

HEAVY = ("polars", "deltalake", "pyarrow", "pandas", "dagster", "duckdb")


@dataclass(frozen=True)
class ModulesFactory:
    """Wraps a factory; each result also names the heavy modules loaded in its process and
    the number of threads its numba parallel kernels use."""

    inner: Any

    def for_workers(self, folder: str) -> ModulesFactory:
        """The inner factory's worker recipe, still wrapped."""
        prepare = getattr(self.inner, "for_workers", None)
        return ModulesFactory(prepare(folder) if prepare is not None else self.inner)

    def build(self):
        """The inner evaluator plus ``heavy_modules`` and ``numba_threads``."""
        import numba

        evaluate = self.inner.build()

        def run(params: dict[str, Any], bars: tuple[int, int] | None) -> dict[str, Any]:
            loaded = sorted(m for m in HEAVY if m in sys.modules)
            extra = {"heavy_modules": loaded, "numba_threads": numba.get_num_threads()}
            return evaluate(params, bars) | extra

        return run
