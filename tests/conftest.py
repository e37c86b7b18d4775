"""Shared fixtures: every test runs against a temporary lake, ledger and log folder."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests import services

T = TypeVar("T")

TESTS = Path(__file__).resolve().parent
#: The files that take longest as one unit (``make test`` keeps each file on one worker, in
#: order: ``--dist loadfile``), longest first: 190, 120, 70, 62 and 60 s of a cold 1,225 s
#: run. Collected first, they start at once and the short files fill the other worker;
#: collected in path order they came last and one worker ran them alone for minutes.
LONG_FILES = (
    "test_readme.py",
    "notebooks/test_notebooks.py",
    "live/test_crash.py",
    "data/test_ingest_processes.py",
    "models/test_cli.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long files first; every file's own test order is kept (a stable sort)."""

    def rank(item: pytest.Item) -> int:
        path = item.path.relative_to(TESTS).as_posix() if TESTS in item.path.parents else ""
        return LONG_FILES.index(path) if path in LONG_FILES else len(LONG_FILES)

    items.sort(key=rank)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point QUANT_* at a temp folder and hide any developer config file."""
    for key in list(os.environ):
        if key.startswith("QUANT_") and key != "QUANT_DISABLE_JIT":
            monkeypatch.delenv(key)
    monkeypatch.setenv("QUANT_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("QUANT_LEDGER", str(tmp_path / "ledger"))
    monkeypatch.setenv("QUANT_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("QUANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("QUANT_CONFIG")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- real servers for the scaling tests (markers postgres, dask, s3; see tests/services.py) ---
def _start(what: str, start: Callable[[], T]) -> T:
    """Start a component, or skip saying why (fail instead with QUANT_TEST_SERVICES=require)."""
    try:
        return start()
    except services.Unavailable as err:
        if os.environ.get("QUANT_TEST_SERVICES") == "require":
            pytest.fail(f"{what} is required (QUANT_TEST_SERVICES=require) but: {err}")
        pytest.skip(f"{what} unavailable: {err}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[services.Postgres]:
    """One PostgreSQL server for the session (initdb in a temp folder, loopback port)."""
    pg = _start("PostgreSQL", services.start_postgres)
    yield pg
    pg.stop()


@pytest.fixture
def postgres_url(postgres_server: services.Postgres) -> Iterator[str]:
    """A new, empty database on the session's server; dropped after the test."""
    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield postgres_server.url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[services.S3Server]:
    """One moto S3 server process for the session, on a loopback port."""
    server = _start("S3 server (moto)", services.start_s3)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dask_cluster() -> Iterator[services.DaskCluster]:
    """One Dask LocalCluster (2 spawned worker processes, 1 thread each) for the session."""
    cluster = _start("Dask cluster", services.start_dask)
    yield cluster
    cluster.stop()
