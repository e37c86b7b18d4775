"""``rollback_dataset`` and ``snapshot``: store operations launchable from the Dagster UI."""

from datetime import UTC, datetime

import dagster as dg
from pydantic import Field

from assets.store import StoreResource


class RollbackConfig(dg.Config):
    """Which dataset to restore, to what (version number or tag), and why."""

    dataset: str
    to: str
    reason: str


class SnapshotConfig(dg.Config):
    """A snapshot: name ("" = ``auto-<UTC time>``), members (DATASET[@VERSION|@TAG]; empty =
    every dataset at its latest version) and a message."""

    name: str = ""
    datasets: list[str] = Field(default_factory=list)
    message: str = ""


@dg.op
def rollback_op(context: dg.OpExecutionContext, config: RollbackConfig, store: StoreResource):
    """Restore ``config.to`` as a new version of ``config.dataset`` (priority writer)."""
    info = store.get().rollback(
        config.dataset, to=config.to, reason=config.reason, author=f"dagster:{context.run.run_id}"
    )
    context.log.info(
        f"rolled back {info.name} to {config.to}: new version {info.version}, "
        f"{info.rows_total} rows, checksum {info.checksum}"
    )
    context.add_output_metadata(
        {
            "dataset": info.name,
            "version": info.version,
            "rows": info.rows_total,
            "checksum": info.checksum,
            "restored": info.extra.get("rollback_to", ""),
        }
    )
    return info.version


@dg.op
def snapshot_op(context: dg.OpExecutionContext, config: SnapshotConfig, store: StoreResource):
    """Record a snapshot of dataset versions (every dataset's latest when none are named)."""
    s = store.get()
    members = config.datasets or s.list()
    if not members:
        context.log.warning("the lake holds no datasets: nothing to snapshot")
        return None
    name = config.name or f"auto-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
    record = s.create_snapshot(
        name, members, message=config.message, author=f"dagster:{context.run.run_id}"
    )
    context.log.info(f"snapshot {name}: {record['datasets']}")
    context.add_output_metadata(
        {"snapshot": name, "datasets": dg.MetadataValue.json(record["datasets"])}
    )
    return name


@dg.job(description="Restore an old version (number or tag) of a dataset as a new commit.")
def rollback_dataset():
    """Run the rollback op."""
    rollback_op()


@dg.job(description="Record a named set of dataset versions (all latest by default).")
def snapshot():
    """Run the snapshot op."""
    snapshot_op()
