"""Resume bookkeeping of the ingest, kept in the store's commit metadata (``extra``).

Every chunk commit of a file source records ``ingest.dataset``, ``ingest.sha256``,
``ingest.symbol`` (the source key), ``ingest.source`` (path), ``ingest.last_line`` and
``ingest.complete``; quarantine commits also record ``ingest.good_rows`` (good rows of that
chunk, committed right after). Reading the history back tells where to resume.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quant.data.sources import sha256_of

QUARANTINE = "quarantine"
_RESET_OPS = ("overwrite", "rollback")


def source_key(dataset: str, sha: str, symbol: str | None) -> dict[str, str]:
    """The ``extra`` entries that identify one source ingested into one dataset."""
    return {"ingest.dataset": dataset, "ingest.sha256": sha, "ingest.symbol": symbol or ""}


def recorded(store: Any, name: str, key: dict[str, str]) -> tuple[dict[str, str], int | None]:
    """(``extra`` of the newest commit of ``name`` for this source, or {}; the *baseline*:
    the latest version written before this source's first commit, None if no such version).

    History before an overwrite or rollback is not trusted (the data may be gone).
    """
    if not store.exists(name):
        return {}, None
    history = store.versions(name)
    newest: dict[str, str] = {}
    baseline: int | None = history[-1].version
    for info in reversed(history):
        if info.operation in _RESET_OPS:
            break
        if all(info.extra.get(k) == v for k, v in key.items()):
            newest = newest or info.extra
            baseline = info.version - 1 if info.version > 0 else None
    return newest, baseline


def is_complete(bars_rec: dict[str, str], q_rec: dict[str, str]) -> bool:
    """The final chunk is committed: to the bars, or to quarantine when it had no good rows."""
    return bars_rec.get("ingest.complete") == "true" or (
        q_rec.get("ingest.complete") == "true" and q_rec.get("ingest.good_rows") == "0"
    )


def source_status(
    store: Any, path: str | Path, dataset: str, symbol: str | None = None
) -> dict[str, Any]:
    """Whether the file as it is now is fully ingested into ``dataset`` (its sha256, progress)."""
    sha = sha256_of(Path(path))
    key = source_key(dataset, sha, symbol)
    bars_rec, _ = recorded(store, dataset, key)
    q_rec, _ = recorded(store, QUARANTINE, key)
    return {
        "sha256": sha,
        "complete": is_complete(bars_rec, q_rec),
        "last_line": int(bars_rec.get("ingest.last_line", 0)),
    }
