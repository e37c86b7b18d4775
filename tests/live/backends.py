"""The ledger fixture on both supported databases: a SQLite file and a real Postgres server.

Import ``ledger_url`` into a test module (or a conftest) to run its ledger tests on both;
``sqlite_only`` pins a test that checks SQLite's own mechanics (WAL, pragmas).
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh ledger URL: a SQLite file in the temp folder, or a new Postgres database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger' / 'live.db'}"
    return request.getfixturevalue("postgres_url")


#: Run a test on SQLite only (it checks SQLite's own mechanics).
sqlite_only = pytest.mark.parametrize("ledger_url", ["sqlite"], indirect=True)
