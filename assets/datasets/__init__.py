"""Dataset operations in the Dagster UI: the ``store`` resource, rollback and snapshot jobs."""

import dagster as dg

from assets.datasets.jobs import rollback_dataset, snapshot
from assets.store import store_resource

defs = dg.Definitions(jobs=[rollback_dataset, snapshot], resources={"store": store_resource})
