"""The features dataset: features of one symbol computed from a pinned bars version.

Written with ``replace_range`` for the symbol: one commit replaces all of the symbol's rows
(so rows whose bars vanished, e.g. after a bars rollback, go too) and leaves other symbols
alone (partitions can be built in any order), with lineage ``{bars dataset: version read}``.
A rebuild whose rows equal the stored ones commits nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from quant.data.store import DatasetStore, VersionInfo
from quant.errors import QuantError
from quant.features.compute import compute_features, required_columns
from quant.features.specs import DAILY_SPECS, FeatureSpec, validate_specs


class NoBarsError(QuantError):
    """The bars dataset has no rows for the requested symbol."""


def specs_digest(specs: Sequence[FeatureSpec]) -> str:
    """A short stable hash of a spec list (recorded in the commit metadata)."""
    text = json.dumps([s.model_dump(mode="json") for s in specs], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def already_built(
    store: DatasetStore, target: str, symbol: str, lineage: dict[str, int], digest: str
) -> VersionInfo | None:
    """The version holding ``symbol``'s features from exactly these inputs, if still current.

    Walks back from the latest version: the first upsert/replace for the symbol decides;
    any other operation on the way (overwrite, rollback, ...) means "cannot tell" -> None.
    """
    if not store.exists(target):
        return None
    for info in reversed(store.versions(target)):
        if info.operation not in ("upsert", "replace"):
            return None
        if info.extra.get("symbol") == symbol:
            same = info.lineage == lineage and info.extra.get("specs") == digest
            return info if same else None
    return None


def build_features(
    store: DatasetStore,
    symbol: str,
    *,
    specs: Sequence[FeatureSpec] = DAILY_SPECS,
    source: str = "bars_1d",
    target: str = "features_1d",
    source_version: int | None = None,
    force: bool = False,
) -> VersionInfo:
    """Compute ``symbol``'s features from ``source`` (latest or a pinned version) into ``target``.

    Idempotent: if the symbol's current features were built from the same bars version
    with the same specs, nothing is written and that version is returned (``force``
    rebuilds anyway). Raises ``DatasetNotFound`` if the bars dataset does not exist and
    :class:`NoBarsError` if it has no rows for the symbol.
    """
    checked = validate_specs(specs)
    version = store.version_info(source, source_version).version
    digest = specs_digest(checked)
    if not force:
        done = already_built(store, target, symbol, {source: version}, digest)
        if done is not None:
            return done
    columns = ["symbol", "ts", *required_columns(checked)]
    bars = store.read(source, version=version, columns=columns, filters=[("symbol", "=", symbol)])
    if bars.is_empty():
        raise NoBarsError(f"dataset '{source}' v{version} has no bars for symbol '{symbol}'")
    features = compute_features(bars, checked)
    return store.replace_range(
        target,
        features,
        symbol=symbol,  # the whole symbol: every bar of it was read
        skip_unchanged=True,
        message=f"features of {symbol} from {source} v{version}",
        lineage={source: version},
        extra={"symbol": symbol, "specs": digest, "bars": str(bars.height)},
    )
