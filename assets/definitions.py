"""Root Dagster definitions: merges each domain's ``defs``; nothing else lives here.

Importing it also routes ``quant``'s log lines to the stdlib ``quant`` logger (see
``quant.log.route_to_host``), which ``dagster.yaml`` makes a managed python logger: they
appear in each run's event log.
"""

import dagster as dg

from assets import backtests, bars, datasets, features, models, samples
from quant.log import route_to_host

route_to_host()

defs = dg.Definitions.merge(
    samples.defs,
    bars.defs,
    datasets.defs,
    features.defs,
    backtests.defs,
    models.defs,
)
