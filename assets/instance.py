"""The Dagster instance's ``dagster.yaml``: embedded SQLite by default, Postgres by configuration.

``make dagster-home`` runs ``python -m assets.instance $DAGSTER_HOME``. With
``QUANT_DAGSTER_PG_URL`` set (``postgresql+psycopg2://user:password@host:5432/dagster``:
dagster-postgres runs on psycopg2, and SQLAlchemy 2.1 reads a plain ``postgresql://`` as
psycopg 3) the file
selects dagster-postgres storage for runs, events, schedules and sensors; the file names the
variable, not its value, so the password stays out of the file and Dagster reads it at
start. Without it the instance keeps its SQLite files in ``$DAGSTER_HOME``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: The environment variable that selects Postgres storage (a SQLAlchemy/libpq URL).
PG_URL_ENV = "QUANT_DAGSTER_PG_URL"

_BASE = "telemetry:\n  enabled: false\n"
_POSTGRES = f"storage:\n  postgres:\n    postgres_url:\n      env: {PG_URL_ENV}\n"


def instance_yaml(postgres: bool) -> str:
    """The dagster.yaml text: telemetry off, plus Postgres storage when ``postgres``."""
    return _BASE + (_POSTGRES if postgres else "")


def write_instance_yaml(home: Path, postgres: bool | None = None) -> Path:
    """Write ``home/dagster.yaml`` (Postgres if ``QUANT_DAGSTER_PG_URL`` is set); its path.

    An existing file is left alone unless it is one this function wrote (then it follows
    the current setting), so a hand-written configuration is never overwritten.
    """
    if postgres is None:
        postgres = bool(os.environ.get(PG_URL_ENV))
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    ours = {instance_yaml(False), instance_yaml(True)}
    if not path.exists() or path.read_text() in ours:
        path.write_text(instance_yaml(postgres))
    return path


if __name__ == "__main__":
    print(write_instance_yaml(Path(sys.argv[1])).read_text(), end="")
