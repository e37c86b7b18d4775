"""`make ui` (``dg dev``) serves the definitions without load errors or deprecation
warnings and stops cleanly on SIGTERM."""

import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tests.assets.ui_browser import free_port, wait_loaded

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_make_ui_loads_definitions_and_stops_on_sigterm(tmp_path):
    port = free_port()
    home = tmp_path / "dagster_home"
    env = {**os.environ, "DAGSTER_HOME": str(home), "UI_PORT": str(port)}
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "ui"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        entries = wait_loaded(port)
        assert entries, "webserver never answered"
        assert [e["locationOrLoadError"]["__typename"] for e in entries] == ["RepositoryLocation"]
        family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode in (0, 2, -signal.SIGTERM, 128 + signal.SIGTERM), out[-2000:]
    time.sleep(1)
    alive = [p for p in family if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
    assert not alive, f"processes left running after SIGTERM: {alive}"
    assert "Traceback" not in out, out[-3000:]
    assert "deprecat" not in out.lower(), out[-3000:]  # `dagster dev` warned; `dg dev` doesn't
