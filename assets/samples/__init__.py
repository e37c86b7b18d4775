"""Shipped sample files as a source asset: presence, row counts and checksums."""

import dagster as dg

from assets.samples.catalogue import sample_catalogue, sample_files_match_catalogue

samples_job = dg.define_asset_job(
    "samples_job",
    selection=[sample_catalogue],
    description="Catalogue the shipped sample files and check them against their row counts.",
)

defs = dg.Definitions(
    assets=[sample_catalogue],
    asset_checks=[sample_files_match_catalogue],
    jobs=[samples_job],
)
