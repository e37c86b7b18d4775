"""Shared fixtures: every test runs against a temporary lake, ledger and log folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


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
