"""The store boundary for I/O failures: OSError, Delta and Arrow errors become ``StorageError``.

Every store operation that touches the disk runs inside :func:`storage_errors`, so a full
disk, a read-only lake or an unreadable file ends in one message naming the dataset, the
operation and the cause (never a raw traceback). Delta commits are atomic, so a failed write
leaves the dataset at its previous version; files a failed write left behind are orphans
that ``gc`` deletes.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
from deltalake.exceptions import DeltaError

from quant.data.store.errors import StorageError
from quant.errors import QuantError

#: What a user can do about the common causes (matched on errno or the message text).
_CAUSES = (
    (errno.ENOSPC, "no space left on device", "free disk space, then retry"),
    (errno.EFBIG, "file too large", "raise the file-size limit (ulimit -f) or free space"),
    (errno.EROFS, "read-only file system", "the lake is mounted read-only; use a writable lake"),
    (errno.EACCES, "permission denied", "this user may not write the lake; fix its ownership"),
    (errno.EDQUOT, "disk quota exceeded", "free space in your quota, then retry"),
)

STORAGE_ERRORS = (OSError, DeltaError, pa.ArrowException)


def describe(err: BaseException) -> str:
    """A one-line cause of an I/O/storage error, with a hint for the common ones."""
    text = " ".join(str(err).split()) or type(err).__name__
    code = getattr(err, "errno", None)
    low = text.lower()
    for num, words, hint in _CAUSES:
        if code == num or words in low or (num == errno.EFBIG and "efbig" in low):
            return f"{words} ({hint}): {text[:300]}"
    return f"{type(err).__name__}: {text[:300]}"


@contextmanager
def storage_errors(what: str, op: str) -> Iterator[None]:
    """Turn I/O and storage errors raised in the block into ``StorageError`` naming ``what``
    (e.g. ``dataset 'bars_1d'``) and the operation; the project's own errors pass through."""
    try:
        yield
    except QuantError:
        raise
    except STORAGE_ERRORS as err:
        raise StorageError(f"{what}: {op} failed, nothing was committed: {describe(err)}") from err
