"""Disk full and a read-only lake end in a StorageError naming the dataset and the cause
(CLI: ``error: ...``, exit 2); the dataset stays at its previous version."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from quant.data.store import DatasetStore, StorageError
from tests.data.store.conftest import bars

BIG_APPEND = """
import json, sys
import numpy as np, polars as pl
from quant.data.store import DatasetStore, StorageError
store = DatasetStore(sys.argv[1], lock_timeout_s=10)
rng = np.random.default_rng(0)
frame = pl.DataFrame({"x": rng.random(400_000), "y": rng.random(400_000)})
try:
    store.append("big", frame)
    print(json.dumps({"ok": True}))
except StorageError as err:
    print(json.dumps({"error": str(err)}))
"""
CLI = "import sys; from quant.cli import main; sys.argv[0] = 'quant'; main()"


def _file_size_limit(limit: int):
    def apply() -> None:  # in the child: writes past `limit` bytes fail with EFBIG
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _run(args: list[str], cwd: Path, limit: int | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_file_size_limit(limit) if limit else None,
        env={**os.environ, "QUANT_LOG_DIR": str(cwd / "logs")},
    )


def _small(store: DatasetStore) -> None:
    rng = np.random.default_rng(1)
    store.append("big", pl.DataFrame({"x": rng.random(10), "y": rng.random(10)}))


def test_a_write_that_fills_the_disk_is_a_storage_error_and_commits_nothing(store, tmp_path):
    _small(store)

    result = _run(["-c", BIG_APPEND, str(store.root)], tmp_path, limit=1_000_000)

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert "dataset 'big': append failed, nothing was committed" in outcome["error"]
    assert "file too large" in outcome["error"]
    assert store.latest_version("big") == 0 and store.read("big").height == 10
    assert store.verify("big")["ok"]
    store.append("big", pl.DataFrame({"x": [1.0], "y": [2.0]}))  # the lake still works
    assert store.version_info("big").rows_total == 11


def test_the_cli_reports_a_full_disk_as_an_error_with_exit_code_2(store, tmp_path):
    _small(store)
    lake = str(store.root)

    result = _run(["-c", CLI, "--lake", lake, "data", "tag", "big", "t"], tmp_path, limit=64)

    assert result.returncode == 2, result.stderr
    assert "error: dataset 'big': tag failed, nothing was committed: file too large" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    assert store.refs.tags("big") == {}


@pytest.fixture
def read_only_lake(store, tmp_path):
    """The store's lake, populated, and the same folder mounted read-only elsewhere."""
    store.append("bars_1d", bars("NVDA", 3))
    store.append("bars_1d", bars("ORCL", 3))
    ro = tmp_path / "ro"
    ro.mkdir()
    bind = subprocess.run(["mount", "--bind", str(store.root), str(ro)], capture_output=True)
    if bind.returncode != 0:
        pytest.skip(f"a read-only bind mount needs root with CAP_SYS_ADMIN: {bind.stderr!r}")
    try:
        remount = subprocess.run(
            ["mount", "-o", "remount,ro,bind", str(ro)], capture_output=True, check=False
        )
        if remount.returncode != 0:
            pytest.skip(f"cannot remount the bind mount read-only: {remount.stderr!r}")
        yield ro
    finally:
        subprocess.run(["umount", str(ro)], check=False)


def test_writes_to_a_read_only_lake_are_storage_errors_and_reads_still_work(store, read_only_lake):
    ro = DatasetStore(read_only_lake, lock_timeout_s=2)

    assert ro.read("bars_1d").height == 6  # readers never lock
    with pytest.raises(StorageError, match=r"dataset 'bars_1d': append failed.*read-only"):
        ro.append("bars_1d", bars("AMD", 2))
    with pytest.raises(StorageError, match=r"dataset 'bars_1d': tag failed.*read-only"):
        ro.tag("bars_1d", "golden")
    with pytest.raises(StorageError, match=r"dataset 'bars_1d': rollback failed.*read-only"):
        ro.rollback("bars_1d", to=0, reason="test")
    with pytest.raises(StorageError, match=r"dataset 'bars_1d': gc failed.*read-only"):
        ro.gc(keep_last=1, grace_s=0)
    assert store.latest_version("bars_1d") == 1 and store.refs.tags("bars_1d") == {}


def test_the_cli_on_a_read_only_lake_exits_2_with_the_cause(store, read_only_lake, tmp_path):
    lake = str(read_only_lake)

    tag = _run(["-c", CLI, "--lake", lake, "data", "tag", "bars_1d", "t"], tmp_path)
    show = _run(["-c", CLI, "--lake", lake, "data", "show", "bars_1d", "--json"], tmp_path)

    assert tag.returncode == 2 and "Traceback" not in tag.stderr
    assert "error: dataset 'bars_1d': tag failed, nothing was committed: read-only" in (tag.stderr)
    assert show.returncode == 0 and json.loads(show.stdout)["rows_total"] == 6
