"""The store as a Dagster resource, and the metadata every store-writing asset returns.

Metadata follows Dagster's conventions so the UI's built-in views fill: ``dagster/row_count``
(the Overview's row count and its plot over materialisations), ``dagster/column_schema``
(the Columns tab, from the Delta table's schema at that version) and ``dagster/uri``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import dagster as dg

from quant.config import load_settings
from quant.data.store import DatasetStore, VersionInfo
from quant.log import route_to_host


class StoreResource(dg.ConfigurableResource):
    """The lake's DatasetStore; ``lake`` empty means the settings' QUANT_LAKE."""

    lake: str = ""

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Route ``quant``'s log lines to the stdlib ``quant`` logger, which ``dagster.yaml``
        makes a managed python logger: they land in the run's event log (once per run)."""
        route_to_host()

    def get(self, run_id: str | None = None) -> DatasetStore:
        """A DatasetStore over the configured lake (lock timeout from settings); with a run id,
        its writes are authored ``dagster:<run_id>`` so every commit names the run that made it."""
        cfg = load_settings()
        author = f"dagster:{run_id}" if run_id else None
        return DatasetStore(self.lake or cfg.lake, lock_timeout_s=cfg.lock_timeout_s, author=author)


def column_schema(lake: DatasetStore, name: str, version: int) -> dg.TableSchema:
    """Dagster TableSchema of one dataset version (column names and polars dtypes)."""
    schema = lake.scan(name, version=version).collect_schema()
    return dg.TableSchema(columns=[dg.TableColumn(name=c, type=str(t)) for c, t in schema.items()])


def _cell(v: Any) -> str | int | float | bool | None:
    if isinstance(v, float):  # six significant digits read well; the dataset keeps all
        return float(f"{v:.6g}") if math.isfinite(v) else None
    return v if v is None or isinstance(v, str | int | float | bool) else str(v)


def _type(values: list[Any]) -> str:
    v = next((x for x in values if x is not None), "")
    return {bool: "bool", int: "int", float: "float"}.get(type(v), "string")


def metrics_table(rows: list[Mapping[str, Any]]) -> dg.TableMetadataValue:
    """A Dagster table of records (e.g. one row of backtest metrics): floats to six significant
    digits, NaN/inf empty."""
    cols = list(dict.fromkeys(k for r in rows for k in r))
    cells = [{c: _cell(r.get(c)) for c in cols} for r in rows]
    schema = dg.TableSchema(
        columns=[dg.TableColumn(c, _type([r.get(c) for r in rows])) for c in cols]
    )
    return dg.MetadataValue.table(records=[dg.TableRecord(r) for r in cells], schema=schema)


def store_result(
    info: VersionInfo,
    *,
    lake: DatasetStore | None = None,
    row_count: int | None = None,
    **metadata: Any,
) -> dg.MaterializeResult:
    """MaterializeResult for a store write: dataset, version, rows, checksum, upstream versions;
    the table version is the asset's data version. ``row_count`` (default: the table's rows)
    becomes ``dagster/row_count``; with ``lake`` the column schema and the table URI are
    attached. Extra keyword metadata is attached too."""
    meta: dict[str, Any] = {
        "dagster/row_count": info.rows_total if row_count is None else row_count,
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
    if lake is not None:
        meta["dagster/column_schema"] = column_schema(lake, info.name, info.version)
        meta["dagster/uri"] = lake.table_uri(info.name)
    return dg.MaterializeResult(metadata=meta, data_version=dg.DataVersion(str(info.version)))


#: The one ``store`` resource instance: Definitions.merge rejects two different objects under
#: one key, so every domain that declares ``resources={"store": ...}`` must use this object.
store_resource = StoreResource()
