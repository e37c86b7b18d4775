"""The Dagster layer: definitions, assets, checks, jobs, sensors, resources; thin over quant."""
