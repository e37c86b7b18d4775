"""Root Dagster definitions: merges each domain's ``defs``; nothing else lives here."""

import dagster as dg

from assets import backtests, datasets, samples

defs = dg.Definitions.merge(
    samples.defs,
    datasets.defs,
    backtests.defs,
)
