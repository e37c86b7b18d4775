"""The store as a Dagster resource, and the metadata every store-writing asset returns."""

from __future__ import annotations

from typing import Any

import dagster as dg

from quant.config import load_settings
from quant.data.store import DatasetStore, VersionInfo


class StoreResource(dg.ConfigurableResource):
    """The lake's DatasetStore; ``lake`` empty means the settings' QUANT_LAKE."""

    lake: str = ""

    def get(self, run_id: str | None = None) -> DatasetStore:
        """A DatasetStore over the configured lake (lock timeout from settings); with a run id,
        its writes are authored ``dagster:<run_id>`` so every commit names the run that made it."""
        cfg = load_settings()
        author = f"dagster:{run_id}" if run_id else None
        return DatasetStore(self.lake or cfg.lake, lock_timeout_s=cfg.lock_timeout_s, author=author)


def store_result(info: VersionInfo, **metadata: Any) -> dg.MaterializeResult:
    """MaterializeResult for a store write: dataset, version, rows, checksum, upstream versions;
    the table version is the asset's data version. Extra keyword metadata is attached too."""
    meta: dict[str, Any] = {
        "dataset": info.name,
        "version": info.version,
        "operation": info.operation,
        "rows": info.rows_total,
        "rows_added": info.rows_added,
        "rows_removed": info.rows_removed,
        "checksum": info.checksum,
        "schema_hash": info.schema_hash,
        "code_version": info.code_version,
        "upstream_versions": dg.MetadataValue.json(dict(info.lineage)),
        **metadata,
    }
    for ds, v in info.lineage.items():
        meta[f"upstream/{ds}"] = v
    return dg.MaterializeResult(metadata=meta, data_version=dg.DataVersion(str(info.version)))


#: The one ``store`` resource instance: Definitions.merge rejects two different objects under
#: one key, so every domain that declares ``resources={"store": ...}`` must use this object.
store_resource = StoreResource()
