"""Strict patterns for the names the store accepts (datasets, tags, snapshots, columns)."""

from __future__ import annotations

import re

from quant.data.store.errors import InvalidName

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TAG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def check_dataset(name: str) -> str:
    """Return ``name`` if it is a valid dataset name (lower-case letters, digits, ``_``)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidName(
            f"invalid dataset name {name!r}: use lower-case letters, digits and '_', "
            "starting with a letter (max 64 characters)"
        )
    return name


def check_tag(tag: str, what: str = "tag") -> str:
    """Return ``tag`` if it is a valid tag or snapshot name (letters, digits, ``_.-``)."""
    if not isinstance(tag, str) or not _TAG.fullmatch(tag) or tag.isdigit():
        raise InvalidName(
            f"invalid {what} name {tag!r}: use letters, digits, '_', '.', '-' "
            "(not only digits, max 64 characters)"
        )
    return tag


def check_column(name: str) -> str:
    """Return ``name`` if it is a valid column identifier (safe to quote into SQL)."""
    if not isinstance(name, str) or not _COLUMN.fullmatch(name):
        raise InvalidName(f"invalid column name {name!r}: use letters, digits and '_'")
    return name
