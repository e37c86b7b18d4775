"""Errors of the versioned dataset store; each names the dataset, version or tag at fault."""

from __future__ import annotations

from quant.errors import QuantError


class StoreError(QuantError):
    """Base of the store's errors."""


class InvalidName(StoreError):
    """A dataset, tag, snapshot or column name does not match the allowed pattern."""


class DatasetNotFound(StoreError):
    """The named dataset does not exist in the lake."""


class VersionNotFound(StoreError):
    """The requested version (or as-of time) does not exist or was garbage-collected."""


class TagNotFound(StoreError):
    """The requested tag does not exist on the dataset."""


class SnapshotNotFound(StoreError):
    """The requested snapshot does not exist."""


class SchemaMismatch(StoreError):
    """Written data does not match the dataset's schema (names the column and both types)."""


class EmptyWrite(StoreError):
    """A write carried no rows."""


class InvalidWrite(StoreError):
    """A write's arguments are inconsistent (e.g. duplicate upsert keys, bad lineage)."""


class LockTimeout(StoreError):
    """The writer lock was not acquired in time; the message names the holder."""


class CommitConflict(StoreError):
    """A concurrent commit by a writer outside the store's lock kept winning; nothing written."""


class CorruptDataset(StoreError):
    """A dataset's files no longer match the checksums recorded at write time."""


class StorageError(StoreError):
    """The disk or object store failed (full, read-only, unreadable); names the dataset and
    the cause. Nothing was committed: the dataset is still at its previous version."""
