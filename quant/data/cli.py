"""``quant data ...``: the versioned datasets from the command line (every command has --json).

This module holds the single ``data_app`` sub-app; other data commands (e.g. ingest) add
themselves to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from quant.cli_context import new_app, settings
from quant.cli_output import JsonOpt, emit

if TYPE_CHECKING:
    from quant.data.store import DatasetStore

data_app = new_app("Versioned datasets: history, time travel, rollback, tags.")
snapshot_app = new_app("Named sets of dataset versions.")
data_app.add_typer(snapshot_app, name="snapshot")

NameArg = Annotated[str, typer.Argument(help="Dataset name, e.g. bars_1d.", show_default=False)]
TagArg = Annotated[str, typer.Argument(help="Tag name, e.g. golden.", show_default=False)]
MessageOpt = Annotated[str, typer.Option("--message", "-m", help="Note recorded with it.")]
SnapshotArg = Annotated[str, typer.Argument(help="Snapshot name.", show_default=False)]


def open_store(ctx: typer.Context) -> DatasetStore:
    """The DatasetStore of the lake chosen by settings / ``--lake``."""
    from quant.data.store import DatasetStore

    cfg = settings(ctx)
    return DatasetStore(cfg.lake, lock_timeout_s=cfg.lock_timeout_s)


@data_app.command("list")
def list_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List datasets with their latest version, rows and tags."""
    store = open_store(ctx)
    rows = []
    for name in store.list():
        info = store.version_info(name)
        rows.append(
            {
                "dataset": name,
                "version": info.version,
                "rows": info.rows_total,
                "updated": info.timestamp,
                "operation": info.operation,
                "tags": ",".join(t["tag"] for t in store.tags(name)),
            }
        )
    emit(rows, as_json)


@data_app.command("versions")
def versions_cmd(ctx: typer.Context, name: NameArg, as_json: JsonOpt = False) -> None:
    """A dataset's history with the metadata of every commit."""
    from quant.data.store.metadata import VERSION_COLUMNS

    infos = [i.to_dict() for i in open_store(ctx).versions(name)]
    emit(infos, as_json, None if as_json else VERSION_COLUMNS)


@data_app.command("show")
def show_cmd(
    ctx: typer.Context,
    name: NameArg,
    version: Annotated[int | None, typer.Option("--version", help="Version number.")] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="Tag name.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="ISO time (UTC if naive).")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Rows to print.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Print the rows of one version (latest, --version, --tag or --as-of)."""
    store = open_store(ctx)
    v = store.resolve(name, version=version, tag=tag, as_of=as_of)
    info = store.version_info(name, v)
    rows = store.scan(name, version=v).head(limit).collect().to_dicts()
    if as_json:
        emit(
            {
                "dataset": name,
                "version": v,
                "rows_total": info.rows_total,
                "checksum": info.checksum,
                "rows": rows,
            },
            True,
        )
        return
    typer.echo(f"{name} @ version {v}: {info.rows_total:,} rows (showing {len(rows)})")
    emit(rows, False)


@data_app.command("diff")
def diff_cmd(
    ctx: typer.Context,
    name: NameArg,
    a: Annotated[str, typer.Argument(help="Version number or tag.")],
    b: Annotated[str, typer.Argument(help="Version number or tag.")],
    key: Annotated[list[str] | None, typer.Option("--key", help="Key column (repeat).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """How version B differs from version A: rows, keys added/removed/changed, schema."""
    result = open_store(ctx).diff(name, a, b, key=key or None)
    if not as_json:
        result = {k: v for k, v in result.items() if not k.startswith("sample_")}
    emit(result, as_json)


@data_app.command("rollback")
def rollback_cmd(
    ctx: typer.Context,
    name: NameArg,
    to: Annotated[str, typer.Option("--to", help="Version number or tag to restore.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the commit).")],
    as_json: JsonOpt = False,
) -> None:
    """Restore an old version as a new commit (history is kept; can itself be rolled back)."""
    emit(open_store(ctx).rollback(name, to=to, reason=reason).to_dict(), as_json)


@data_app.command("tag")
def tag_cmd(
    ctx: typer.Context,
    name: NameArg,
    tag: TagArg,
    version: Annotated[int | None, typer.Option("--version", help="Default: latest.")] = None,
    message: MessageOpt = "",
    move: Annotated[bool, typer.Option("--move", help="Move an existing tag.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Name a version of a dataset (gc never removes tagged versions)."""
    emit(open_store(ctx).tag(name, tag, version=version, message=message, move=move), as_json)


@data_app.command("untag")
def untag_cmd(ctx: typer.Context, name: NameArg, tag: TagArg, as_json: JsonOpt = False) -> None:
    """Remove a tag."""
    emit(open_store(ctx).untag(name, tag), as_json)


@snapshot_app.command("create")
def snapshot_create(
    ctx: typer.Context,
    name: SnapshotArg,
    datasets: Annotated[list[str], typer.Argument(help="DATASET[@VERSION|@TAG] ...")],
    message: MessageOpt = "",
    as_json: JsonOpt = False,
) -> None:
    """Record a named set of dataset versions (latest unless @VERSION/@TAG)."""
    emit(open_store(ctx).create_snapshot(name, datasets, message=message), as_json)


@snapshot_app.command("list")
def snapshot_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List snapshots."""
    rows = [
        {
            "name": s["name"],
            "created": s["created"],
            "author": s["author"],
            "datasets": " ".join(f"{d}@{v}" for d, v in s["datasets"].items()),
            "message": s["message"],
        }
        for s in open_store(ctx).snapshots()
    ]
    emit(rows, as_json)


@snapshot_app.command("show")
def snapshot_show(ctx: typer.Context, name: SnapshotArg, as_json: JsonOpt = False) -> None:
    """Show one snapshot's datasets, versions and checksums."""
    record = open_store(ctx).snapshot(name)
    if as_json:
        emit(record, True)
        return
    typer.echo(f"snapshot {record['name']} created {record['created']} by {record['author']}")
    emit(
        [
            {"dataset": d, "version": v, "checksum": record["checksums"].get(d)}
            for d, v in record["datasets"].items()
        ],
        False,
    )


@data_app.command("gc")
def gc_cmd(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would go.")] = False,
    keep_last: Annotated[
        int, typer.Option("--keep-last", min=1, help="Versions kept per dataset, newest first.")
    ] = 5,
    dataset: Annotated[list[str] | None, typer.Option("--dataset", help="Only these.")] = None,
    grace: Annotated[
        float | None,
        typer.Option(
            "--grace",
            min=0,
            help="Keep versions superseded less than this many seconds ago "
            "(default: QUANT_GC_GRACE_S, 3600).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Expire old versions and delete unreferenced files (never tagged, snapshotted or
    lineage-referenced versions, nor ones superseded within the grace period)."""
    report = open_store(ctx).gc(
        dataset or None, keep_last=keep_last, dry_run=dry_run, grace_s=grace
    )
    if as_json:
        emit(report, True)
        return
    emit(
        [
            {
                k: (" ".join(map(str, v)) if isinstance(v, list) else v)
                for k, v in r.items()
                if k != "file_list"
            }
            for r in report
        ],
        False,
    )


@data_app.command("verify")
def verify_cmd(
    ctx: typer.Context,
    name: NameArg,
    all_versions: Annotated[bool, typer.Option("--all", help="Every readable version.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Recompute content checksums and compare with the recorded ones (exit 2 on mismatch)."""
    report = open_store(ctx).verify(name, all_versions=all_versions)
    emit(report if as_json else report["versions"], as_json)
    if not report["ok"]:
        from quant.data.store.errors import CorruptDataset

        bad = [str(v["version"]) for v in report["versions"] if not v["ok"]]
        raise CorruptDataset(f"dataset '{name}': checksum mismatch at version(s) {', '.join(bad)}")


@data_app.command("locks")
def locks_cmd(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="One dataset (default: all).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Writer-lock metrics: acquisitions, contention, waits, holds, timeouts, holder."""
    rows = open_store(ctx).lock_metrics(name)
    if as_json:
        emit(rows, True)
        return
    from quant.data.store.lock import describe_holder

    cols = [
        "dataset",
        "acquisitions",
        "contended",
        "timeouts",
        "stale_recovered",
        "wait_s_mean",
        "wait_s_max",
        "hold_s_mean",
        "hold_s_max",
        "holder",
    ]
    emit(
        [{**r, "holder": describe_holder(r["holder"]) if r["holder"] else "free"} for r in rows],
        False,
        cols,
    )


from quant.data import ingest_cli  # noqa: E402, F401  (registers `quant data ingest`)
