"""Errors of the ingest (the CLI prints them as ``error: ...`` and exits 2)."""

from __future__ import annotations

from quant.errors import QuantError


class IngestError(QuantError):
    """The ingest cannot start or continue (bad arguments, no files, too small a budget)."""


class IngestInterrupted(IngestError):
    """Another writer replaced the dataset's latest version while this ingest was writing it
    (e.g. a rollback): the ingest stopped; a re-run completes the data."""
