"""Partition definitions shared by every domain: bars, features and backtests split by symbol."""

import dagster as dg

from quant.data.samples import SAMPLES

#: Symbols of the shipped daily bars (one Dagster partition each).
DAILY_SYMBOLS = sorted({s.symbol for s in SAMPLES if s.timeframe == "1d"})

symbol_partitions = dg.StaticPartitionsDefinition(DAILY_SYMBOLS)
