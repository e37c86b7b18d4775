"""The Dagster instance folder (``DAGSTER_HOME``) and its ``dagster.yaml``, made in one place.

``make dagster-home`` and ``make demo`` both call :func:`ensure`. The yaml turns telemetry
and the UI's first-visit pop-up off, and makes the ``quant`` python logger a Dagster managed
logger, so the library's log lines (ingest progress, lock waits, ...) land in each run's
event log next to ``context.log``. With ``QUANT_DAGSTER_PG_URL`` set
(``postgresql+psycopg2://user:password@host:5432/dagster``: dagster-postgres runs on
psycopg2) it also selects dagster-postgres storage for runs, events, schedules and sensors;
the file names the variable, not its value, so the password stays out of the file and
Dagster reads it at start. Sections already in the file are never changed, so a
hand-written configuration wins. Light on purpose (no dagster import).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Settings this project needs in ``dagster.yaml`` (top-level keys; each added if missing).
SECTIONS: dict[str, str] = {
    "telemetry": "telemetry:\n  enabled: false\n",
    "nux": "nux:\n  enabled: false\n",  # no newsletter pop-up over the UI's first page
    "python_logs": "python_logs:\n  managed_python_loggers:\n    - quant\n"
    "  python_log_level: INFO\n",
}


#: The environment variable that selects Postgres storage (a SQLAlchemy/libpq URL).
PG_URL_ENV = "QUANT_DAGSTER_PG_URL"
POSTGRES = f"storage:\n  postgres:\n    postgres_url:\n      env: {PG_URL_ENV}\n"


def ensure(home: Path | None = None) -> Path:
    """Create ``home`` (default: $DAGSTER_HOME, else ./.dagster) and complete its yaml."""
    home = Path(home or os.environ.get("DAGSTER_HOME") or ".dagster").resolve()
    home.mkdir(parents=True, exist_ok=True)
    yaml = home / "dagster.yaml"
    text = yaml.read_text() if yaml.exists() else ""
    keys = {line.split(":", 1)[0] for line in text.splitlines() if line[:1].isalpha()}
    wanted = SECTIONS | ({"storage": POSTGRES} if os.environ.get(PG_URL_ENV) else {})
    missing = [body for key, body in wanted.items() if key not in keys]
    if missing:
        sep = "" if not text or text.endswith("\n") else "\n"
        yaml.write_text(text + sep + "".join(missing))
    return home


if __name__ == "__main__":
    home = ensure()
    if "-v" in sys.argv:
        sys.stdout.write(f"{home}\n")
