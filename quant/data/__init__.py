"""Data edge: sources, chunked ingest, validation, the versioned dataset store, locks."""
