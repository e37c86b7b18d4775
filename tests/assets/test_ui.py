"""`make ui` serves the definitions without load errors and stops cleanly on SIGTERM."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]

QUERY = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.mark.slow
def test_make_ui_loads_definitions_and_stops_on_sigterm(tmp_path):
    port = _free_port()
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
        deadline = time.monotonic() + 120
        entries = None
        while time.monotonic() < deadline:
            try:
                data = _graphql(port, QUERY)["data"]["workspaceOrError"]
                entries = data["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except (OSError, KeyError, TypeError):
                pass
            time.sleep(1)
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
