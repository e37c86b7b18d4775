"""The indicator table the tests iterate over: how to stream, batch and reference each one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from quant.core.indicators import (
    extrema,
    momentum,
    moving,
    range_oscillators,
    signals,
    volatility,
    volume,
)


@dataclass(frozen=True)
class Case:
    """One indicator: its public batch function, its init/step pair and its parameters."""

    name: str
    batch: Callable
    init: Callable
    step: Callable
    inputs: tuple[str, ...]  # which of "close", "high", "low", "volume", "other" it reads
    params: dict = field(default_factory=dict)
    init_args: tuple = ()

    def run_batch(self, bars: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Batch outputs as a list of arrays."""
        out = self.batch(*(bars[k] for k in self.inputs), **self.params)
        return list(out) if isinstance(out, tuple) else [out]

    def run_stream(self, bars: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Outputs from feeding the step one bar at a time from Python."""
        columns = [np.asarray(bars[k], dtype=np.float64) for k in self.inputs]
        state = self.init(*self.init_args)
        rows = []
        for i in range(columns[0].shape[0]):
            res = self.step(state, *(c[i] for c in columns))
            state, values = res[0], res[1:]
            rows.append(values)
        return [np.array([r[k] for r in rows]) for k in range(len(rows[0]))] if rows else []


CASES = [
    Case("sma", moving.sma, moving.sma_init, moving.sma_step, ("close",), {"n": 5}, (5,)),
    Case("ema", moving.ema, moving.ema_init, moving.ema_step, ("close",), {"n": 5}, (5,)),
    Case("rsi", momentum.rsi, momentum.rsi_init, momentum.rsi_step, ("close",), {"n": 4}, (4,)),
    Case(
        "atr",
        volatility.atr,
        volatility.atr_init,
        volatility.atr_step,
        ("high", "low", "close"),
        {"n": 4},
        (4,),
    ),
    Case(
        "rolling_std",
        volatility.rolling_std,
        volatility.rolling_std_init,
        volatility.rolling_std_step,
        ("close",),
        {"n": 5},
        (5,),
    ),
    Case(
        "zscore",
        volatility.zscore,
        volatility.zscore_init,
        volatility.zscore_step,
        ("close",),
        {"n": 5},
        (5,),
    ),
    Case(
        "crossover",
        signals.crossover,
        signals.cross_init,
        signals.crossover_step,
        ("close", "other"),
    ),
    Case(
        "crossunder",
        signals.crossunder,
        signals.cross_init,
        signals.crossunder_step,
        ("close", "other"),
    ),
    Case("wma", moving.wma, moving.wma_init, moving.wma_step, ("close",), {"n": 5}, (5,)),
    Case(
        "macd",
        momentum.macd,
        momentum.macd_init,
        momentum.macd_step,
        ("close",),
        {"fast": 3, "slow": 6, "signal": 4},
        (3, 6, 4),
    ),
    Case(
        "bbands",
        volatility.bbands,
        volatility.bbands_init,
        volatility.bbands_step,
        ("close",),
        {"n": 5, "k": 2.0},
        (5, 2.0),
    ),
    Case(
        "log_returns",
        signals.log_returns,
        signals.log_returns_init,
        signals.log_returns_step,
        ("close",),
    ),
]

CASES += [
    Case(
        "rolling_max",
        extrema.rolling_max,
        extrema.rolling_max_init,
        extrema.rolling_max_step,
        ("close",),
        {"n": 4},
        (4,),
    ),
    Case(
        "rolling_min",
        extrema.rolling_min,
        extrema.rolling_min_init,
        extrema.rolling_min_step,
        ("close",),
        {"n": 4},
        (4,),
    ),
    Case(
        "stoch",
        range_oscillators.stoch,
        range_oscillators.stoch_init,
        range_oscillators.stoch_step,
        ("high", "low", "close"),
        {"fastk": 5, "slowk": 2, "slowd": 3},
        (5, 2, 3),
    ),
    Case(
        "willr",
        range_oscillators.willr,
        range_oscillators.willr_init,
        range_oscillators.willr_step,
        ("high", "low", "close"),
        {"n": 4},
        (4,),
    ),
    Case(
        "vwap",
        volume.vwap,
        volume.vwap_init,
        volume.vwap_step,
        ("close", "volume"),
        {"n": 4},
        (4,),
    ),
]

BY_NAME = {c.name: c for c in CASES}


def ohlcv_from_close(close: np.ndarray, spread: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Consistent bars around a close series (high >= close >= low), NaN where close is NaN."""
    close = np.asarray(close, dtype=np.float64)
    if spread is None:
        spread = np.abs(close) * 0.01
    n = close.shape[0]
    return {
        "close": close,
        "high": close + spread,
        "low": close - spread,
        "volume": np.abs(close) + 1.0,
        "other": np.roll(close, 1) if n else close,
    }
