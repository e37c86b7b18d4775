"""Streaming technical indicators whose batch form is a loop over the same step.

The kernel contract (every indicator in this package):

* ``<name>_init(params) -> state``: the state is a small numba-compatible **tuple** of
  scalars and, for windowed indicators, a float64 ring buffer. Parameters live in the
  state, so a step needs only the new bar. Tuples keep the hot scalars in registers
  (about 4x faster than a state array written back every bar); hot states are flat
  (a tuple nested next to an array measured about 4x slower).
* ``<name>_step(state, *bar) -> (state, *values)``: feed one bar, get the new state and
  this bar's output(s). Ring buffers inside the state are updated in place, so a state
  is used linearly: after a step, use only the returned state.
* ``<name>_1d(x, ..., *out)``: batch over a 1-D array into preallocated outputs, a loop
  that *calls* the step; batch and streaming results are therefore identical bit for bit.
* ``<name>_2d(x, ..., *out)``: batch over a (bars x symbols) array: the 1-D kernel on
  each column, parallel over symbols.
* ``<name>(x, ...)``: the public wrapper; accepts 1-D or 2-D input, validates
  parameters (:class:`IndicatorInputError`), allocates the outputs with numpy (huge
  pages; see :func:`inputs.outputs`) and returns float64 arrays of the input's shape.

Conventions follow TA-Lib (SMA seeding of EMA/RSI/ATR, Wilder smoothing for RSI/ATR,
population std in Bollinger bands) so values agree with TA-Lib's functions of the same
name after the warm-up, which is NaN.

NaN policy: a bar with any non-finite input (NaN, +-inf) is *missing*: the state is left
unchanged and the output for that bar is NaN (False for crossings). Warm-ups and windows
count valid bars only, so a gap delays the warm-up and a window spans the gap. The one
exception is the Kalman filter (:mod:`quant.core.kalman`), which predicts through a
missing observation. No kernel uses ``fastmath``.
"""

from quant.core.indicators.extrema import rolling_max, rolling_min
from quant.core.indicators.inputs import IndicatorInputError
from quant.core.indicators.momentum import macd, rsi
from quant.core.indicators.moving import ema, sma, wma
from quant.core.indicators.range_oscillators import stoch, willr
from quant.core.indicators.signals import crossover, crossunder, log_returns
from quant.core.indicators.volatility import atr, bbands, rolling_std, zscore
from quant.core.indicators.volume import vwap

__all__ = [
    "IndicatorInputError",
    "atr",
    "bbands",
    "crossover",
    "crossunder",
    "ema",
    "log_returns",
    "macd",
    "rolling_max",
    "rolling_min",
    "rolling_std",
    "rsi",
    "sma",
    "stoch",
    "vwap",
    "willr",
    "wma",
    "zscore",
]
