"""Helpers of the UI tests: a free port, the webserver's GraphQL, headless Chromium pages."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

#: Debian's browser (``apt-get install chromium``); None when absent (the browser test skips).
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

LOADED = """{ workspaceOrError { __typename ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    """POST one GraphQL query to the webserver on ``port``; the decoded JSON answer."""
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def wait_loaded(port: int, timeout_s: float = 120) -> list[dict]:
    """Poll until every code location is LOADED; the location entries (empty on timeout)."""
    deadline = time.monotonic() + timeout_s
    entries: list[dict] = []
    while time.monotonic() < deadline:
        try:
            entries = graphql(port, LOADED)["data"]["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return entries
        except (OSError, KeyError, TypeError):
            pass
        time.sleep(0.5)
    return entries


def _chromium(*args: str, height: int = 900) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--hide-scrollbars",
             f"--window-size=1400,{height}", "--virtual-time-budget=10000"]  # fmt: skip
    return subprocess.run(
        [CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=60, check=True
    )


def page_text(url: str) -> str:
    """The visible text of ``url`` once its scripts ran (DOM dumped by headless Chromium)."""
    dom = _chromium("--dump-dom", url).stdout
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", text)))


def screenshot(url: str, path: Path, height: int = 900) -> Path:
    """A PNG screenshot of ``url``, 1400 pixels wide and ``height`` high (written to ``path``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _chromium(f"--screenshot={path}", url, height=height)
    return path
