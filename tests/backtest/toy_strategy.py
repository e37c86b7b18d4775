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

        def evaluate(params: dict[str, Any], bars: tuple[int, int] | None) -> dict[str, Any]:
            p = ToyParams(**params)
            shift = 0 if bars is None else bars[0]
            # a bumpy deterministic surface with its maximum near fast=7, slow=31
            score = float(
                np.sin(x[p.fast + shift % 8] * p.slow) * 0.1
                - (p.fast - 7) ** 2
                - (p.slow - 31) ** 2 / 10
            )
            return {"sharpe": score * p.scale, "max_drawdown": abs(score) / 100, "n_trades": p.fast}

        return evaluate


def write_toy_data(path) -> str:
    """Write the npz the factory reads; returns its path as a string."""
    np.savez(path, x=np.linspace(0.0, 3.0, 64))
    return str(path)


@dataclass(frozen=True)
class ToyRunner:
    """Records of a toy strategy: long (+1) or short (-1) a fixed return series by params."""

    returns: np.ndarray

    def records(self, params: dict[str, Any], bars: tuple[int, int] | None):
        from quant.backtest.walkforward import Records
        from tests.backtest.records_fixture import daily_ts, fills_of, trades_with_pnl

        s, e = bars if bars is not None else (0, len(self.returns))
        sign = 1.0 if params["fast"] % 2 == 0 else -1.0
        equity = 100.0 * np.cumprod(np.concatenate([[1.0], 1.0 + sign * self.returns[s + 1 : e]]))
        trades = trades_with_pnl(list(np.diff(equity)))
        trades["entry_bar"] = np.arange(1, e - s)
        trades["exit_bar"] = np.arange(1, e - s)
        fills = fills_of([(1.0, float(x), 0.1, 0.0) for x in equity[1:]])
        fills["bar"] = np.arange(1, e - s)
        return Records(equity, daily_ts(e)[s:e], trades, fills, np.ones(e - s))


@dataclass(frozen=True)
class ToyRunnerFactory:
    """Evaluator factory over ToyRunner: metrics of the toy records on a bar range."""

    returns: tuple[float, ...]

    def build(self):
        from quant.backtest.metrics import compute_metrics

        runner = ToyRunner(np.asarray(self.returns))
        return lambda params, bars: compute_metrics(*runner.records(params, bars)).to_dict()
