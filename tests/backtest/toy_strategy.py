"""A toy Params model and evaluator factory for optimiser tests (importable by spawned workers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class ToyParams(BaseModel):
    """Two bounded integers with a cross-field rule, plus a bounded float."""

    model_config = ConfigDict(frozen=True)

    fast: int = Field(5, ge=1, le=20)
    slow: int = Field(20, ge=2, le=60)
    scale: float = Field(1.0, gt=0.0, le=2.0)

    @model_validator(mode="after")
    def _fast_below_slow(self) -> ToyParams:
        if self.fast >= self.slow:
            raise ValueError("fast must be < slow")
        return self


@dataclass(frozen=True)
class ToyFactory:
    """Loads a small npz from disk in each process (as a worker would load bars)."""

    path: str

    def build(self):
        x = np.load(self.path)["x"]

        def evaluate(params: dict[str, Any]) -> dict[str, Any]:
            p = ToyParams(**params)
            # a bumpy deterministic surface with its maximum near fast=7, slow=31
            score = float(
                np.sin(x[p.fast] * p.slow) * 0.1 - (p.fast - 7) ** 2 - (p.slow - 31) ** 2 / 10
            )
            return {"sharpe": score * p.scale, "max_drawdown": abs(score) / 100, "n_trades": p.fast}

        return evaluate


def write_toy_data(path) -> str:
    """Write the npz the factory reads; returns its path as a string."""
    np.savez(path, x=np.linspace(0.0, 3.0, 64))
    return str(path)
