"""Every ledger test runs on SQLite and on a real Postgres server (marker ``postgres``)."""

from tests.live.backends import ledger_url  # noqa: F401 - the fixture, parametrised by database
