"""Every research notebook executes top to bottom in the project's environment, is committed
without outputs, and imports only ``quant.research``, polars and plotly.

Each runs in a temporary working folder with the ``QUANT_*`` settings pointing at a temporary
lake and ledger (``tests/conftest.py``); the notebooks build their own lake from the shipped
samples with ``qr.sample_lake()``, so the user's lake is never touched.
"""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
STORY = ["01_quickstart", "02_dataset_versions", "03_models", "04_optimisation", "05_live_replay"]
IMPORT = re.compile(r"^\s*(?:from\s+(\S+)\s+import|import\s+(\S+))", re.MULTILINE)
ALLOWED = ("quant.research", "polars", "plotly")


def test_the_five_story_notebooks_are_shipped():
    assert [p.stem for p in NOTEBOOKS] == STORY


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_with_outputs_cleared_and_imports_only_the_research_api(path: Path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    modules = {a or b for c in code for a, b in IMPORT.findall(c.source)}
    assert modules and all(m.startswith(ALLOWED) for m in modules), modules


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes_without_error(path: Path, tmp_path: Path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors
