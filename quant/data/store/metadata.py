"""Commit metadata: what every store commit records, and ``VersionInfo`` built from it.

Keys are written into the Delta commit's ``commitInfo`` under the ``quant.`` prefix, so the
Delta log itself is the history (no side database). Values are strings; dicts are JSON.
"""

from __future__ import annotations

import functools
import getpass
import json
import socket
import subprocess
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PREFIX = "quant."


#: The VersionInfo fields a version listing shows (``quant data versions``, ``qr.versions``).
VERSION_COLUMNS = (
    "version",
    "timestamp",
    "operation",
    "rows_added",
    "rows_removed",
    "rows_total",
    "author",
    "message",
    "checksum",
)


@dataclass(frozen=True)
class VersionInfo:
    """One version of a dataset: what was written, by whom, from what, with which checksum."""

    name: str
    version: int
    timestamp: datetime  # commit time, UTC
    operation: str  # append | overwrite | upsert | rollback | external
    rows_added: int
    rows_removed: int
    rows_total: int
    author: str
    message: str
    schema_hash: str
    checksum: str  # 32 hex chars: order-independent content hash of all rows
    lineage: dict[str, int] = field(default_factory=dict)
    code_version: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    schema_version: int = 1  # +1 at every schema change (e.g. a column added)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (timestamp stays a datetime; ``emit`` prints it as ISO text)."""
        return asdict(self)


@functools.cache
def code_version() -> str:
    """Git commit of the working tree holding this package (``+dirty`` if modified), else
    the installed package version."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        if sha:
            return f"git:{sha}{'+dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        pass
    from importlib.metadata import PackageNotFoundError, version  # only on this fallback

    try:
        return f"quant=={version('quant')}"
    except PackageNotFoundError:
        return "unknown"


def default_author() -> str:
    """``user@host`` of this process (used when a write names no author)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def encode(values: dict[str, Any]) -> dict[str, str]:
    """Commit metadata with the ``quant.`` prefix; dicts become JSON text."""
    out = {}
    for k, v in values.items():
        out[PREFIX + k] = json.dumps(v, sort_keys=True) if isinstance(v, dict) else str(v)
    return out


def decode(name: str, commit: dict[str, Any]) -> tuple[VersionInfo, dict[str, str]]:
    """VersionInfo of one ``DeltaTable.history()`` entry, plus its raw ``quant.`` fields."""
    raw = {k[len(PREFIX) :]: str(v) for k, v in commit.items() if k.startswith(PREFIX)}
    raw["_delta_operation"] = str(commit.get("operation", ""))
    ts = datetime.fromtimestamp(int(commit.get("timestamp", 0)) / 1000, tz=UTC)
    metrics = commit.get("operationMetrics") or {}
    info = VersionInfo(
        name=name,
        version=int(commit["version"]),
        timestamp=ts,
        operation=raw.get("operation", "external"),
        rows_added=int(raw.get("rows_added", metrics.get("num_added_rows", 0) or 0)),
        rows_removed=int(raw.get("rows_removed", metrics.get("num_deleted_rows", 0) or 0)),
        rows_total=int(raw.get("rows_total", -1)),
        author=raw.get("author", ""),
        message=raw.get("message", ""),
        schema_hash=raw.get("schema_hash", ""),
        checksum=raw.get("checksum", ""),
        lineage={k: int(v) for k, v in json.loads(raw.get("lineage", "{}")).items()},
        code_version=raw.get("code_version", ""),
        extra={k: str(v) for k, v in json.loads(raw.get("extra", "{}")).items()},
        schema_version=int(raw.get("schema_version", 1)),
    )
    return info, raw


#: Delta operations that change no rows (their versions inherit the previous state).
NO_DATA_CHANGE = ("VACUUM START", "VACUUM END", "OPTIMIZE", "SET TBLPROPERTIES", "CHECKPOINT")


def inherit(info: VersionInfo, previous: VersionInfo) -> VersionInfo:
    """A no-data-change commit (e.g. gc's vacuum) carries the previous version's state."""
    return replace(
        info,
        operation=info.operation if info.operation != "external" else "maintenance",
        rows_added=0,
        rows_removed=0,
        rows_total=previous.rows_total,
        schema_hash=previous.schema_hash,
        checksum=previous.checksum,
        schema_version=previous.schema_version,
    )
