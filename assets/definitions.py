"""Root Dagster definitions: merges each domain's ``defs``; nothing else lives here."""

import dagster as dg

from assets import backtests, bars, datasets, features, models, samples

defs = dg.Definitions.merge(
    samples.defs,
    bars.defs,
    datasets.defs,
    features.defs,
    backtests.defs,
    models.defs,
)
