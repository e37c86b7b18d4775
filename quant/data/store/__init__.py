"""The versioned dataset store: Delta Lake tables with locks, time travel, tags and lineage."""

from quant.data.store.errors import (
    CommitConflict,
    DatasetNotFound,
    EmptyWrite,
    InvalidName,
    InvalidWrite,
    LockTimeout,
    SchemaMismatch,
    SnapshotNotFound,
    StorageError,
    StoreError,
    TagNotFound,
    VersionNotFound,
)
from quant.data.store.metadata import VersionInfo
from quant.data.store.store import DatasetStore

__all__ = [
    "CommitConflict",
    "DatasetNotFound",
    "DatasetStore",
    "EmptyWrite",
    "InvalidName",
    "InvalidWrite",
    "LockTimeout",
    "SchemaMismatch",
    "SnapshotNotFound",
    "StorageError",
    "StoreError",
    "TagNotFound",
    "VersionInfo",
    "VersionNotFound",
]
