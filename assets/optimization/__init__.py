"""Parameter optimisation as a Dagster asset writing the ``optimizations`` dataset."""

import dagster as dg

from assets.optimization.optimize import optimizations
from assets.store import store_resource

optimization_job = dg.define_asset_job("optimization_job", selection=[optimizations])

defs = dg.Definitions(
    assets=[optimizations], jobs=[optimization_job], resources={"store": store_resource}
)
