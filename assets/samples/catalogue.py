"""The ``sample_catalogue`` asset: what real market data ships with the project."""

import dagster as dg

from assets.store import metrics_table
from quant.data import samples


@dg.asset(
    group_name="ingest",
    kinds={"python", "csv"},
    description="The real market data shipped in data/samples: files, rows on disk, sha256.",
)
def sample_catalogue(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Describe every shipped sample file (rows on disk, sha256) as materialisation metadata."""
    rows = [samples.describe(s) for s in samples.SAMPLES]
    table = metrics_table(
        [{"file": r["file"], "symbol": r["symbol"], "timeframe": r["timeframe"],
          "rows": r.get("rows_on_disk"), "sha256": r.get("sha256", "missing")[:12]}
         for r in rows]
    )  # fmt: skip
    total = sum(r.get("rows_on_disk", 0) for r in rows)
    context.log.info(f"{len(rows)} sample files, {total} bars")
    return dg.MaterializeResult(
        metadata={
            "files": len(rows),
            "bars": total,
            "catalogue": table,
            "folder": dg.MetadataValue.path(str(samples.SAMPLES_DIR)),
        },
        data_version=dg.DataVersion("-".join(r.get("sha256", "missing")[:8] for r in rows)),
    )


@dg.asset_check(asset=sample_catalogue, blocking=True)
def sample_files_match_catalogue() -> dg.AssetCheckResult:
    """Every catalogued file is present with exactly the documented number of data rows."""
    bad = [
        s.file
        for s in samples.SAMPLES
        if not s.path.is_file() or samples.describe(s)["rows_on_disk"] != s.rows
    ]
    return dg.AssetCheckResult(passed=not bad, metadata={"mismatched": ", ".join(bad) or "none"})
