"""``diff``: how two versions of a dataset differ (rows, keys added/removed/changed, schema)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from quant.data.store.errors import InvalidWrite

if TYPE_CHECKING:
    from quant.data.store.core import StoreCore

DEFAULT_KEY = ("symbol", "ts")
SAMPLE = 10


def _schema_changes(a: pl.Schema, b: pl.Schema) -> dict[str, Any]:
    return {
        "added": [c for c in b if c not in a],
        "removed": [c for c in a if c not in b],
        "type_changed": {c: [str(a[c]), str(b[c])] for c in a if c in b and a[c] != b[c]},
    }


def diff_versions(
    store: StoreCore, name: str, a: int | str, b: int | str, key: Sequence[str] | None = None
) -> dict[str, Any]:
    """Compare versions/tags ``a`` and ``b``: row counts, keys added/removed/changed, schema.

    Rows are matched on ``key`` (default ``(symbol, ts)`` when both columns exist); without a
    key, whole rows are compared as multisets (changed = 0).
    """
    va, vb = store.resolve_ref(name, a), store.resolve_ref(name, b)
    fa, fb = store.read(name, version=va), store.read(name, version=vb)
    out: dict[str, Any] = {
        "dataset": name,
        "a": va,
        "b": vb,
        "rows_a": fa.height,
        "rows_b": fb.height,
        "checksum_a": store.version_info(name, va).checksum,
        "checksum_b": store.version_info(name, vb).checksum,
        "schema": _schema_changes(fa.schema, fb.schema),
    }
    common = [c for c in fa.columns if c in fb.columns and fa.schema[c] == fb.schema[c]]
    if key is None:
        key = [k for k in DEFAULT_KEY if k in common] if set(DEFAULT_KEY) <= set(common) else []
    key = list(key)
    if any(k not in common for k in key):
        raise InvalidWrite(f"diff key {key} must be columns of both versions (common: {common})")
    if not key:
        ca = fa.select(common).group_by(common).len()
        cb = fb.select(common).group_by(common).len()
        j = ca.join(cb, on=common, how="full", coalesce=True, nulls_equal=True).fill_null(0)
        out.update(
            key=[],
            rows_added=int((j["len_right"] - j["len"]).clip(0).sum()),
            rows_removed=int((j["len"] - j["len_right"]).clip(0).sum()),
            keys_changed=0,
        )
        return out
    ka, kb = fa.select(key).unique(), fb.select(key).unique()
    added = kb.join(ka, on=key, how="anti", nulls_equal=True)
    removed = ka.join(kb, on=key, how="anti", nulls_equal=True)
    values = [c for c in common if c not in key]
    both = fa.select(common).join(fb.select(common), on=key, how="inner", nulls_equal=True)
    if values:
        differs = pl.any_horizontal([pl.col(c).ne_missing(pl.col(f"{c}_right")) for c in values])
        changed = both.filter(differs).select(key).unique()
    else:
        changed = both.head(0).select(key)
    out.update(
        key=key,
        keys_added=added.height,
        keys_removed=removed.height,
        keys_changed=changed.height,
        sample_added=added.head(SAMPLE).to_dicts(),
        sample_removed=removed.head(SAMPLE).to_dicts(),
        sample_changed=changed.head(SAMPLE).to_dicts(),
    )
    return out
