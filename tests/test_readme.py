"""Every ``quant`` example in README.md's shell blocks runs as written and exits 0.

Examples are the lines of ```bash / ```sh blocks that start with ``quant `` or
``.venv/bin/quant `` (a trailing ``\\`` joins the next line). They run in README order with
bash from the repository root, ``quant`` on PATH (the venv's bin folder), against one
temporary lake holding the shipped daily samples in ``bars_1d`` (as ``make demo`` builds it).

To exclude a block (e.g. something long-running), put ``<!-- readme-test: skip REASON -->``
on a line before its opening fence: its examples are reported as skipped with REASON, never
dropped silently.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from quant.data import ingest, samples
from quant.data.store import DatasetStore

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SHELL_LANGS = {"bash", "sh", "shell", "console"}
SKIP_MARK = re.compile(r"<!--\s*readme-test:\s*skip\s+(?P<reason>.+?)\s*-->")
COMMAND = re.compile(r"(?:\.venv/bin/)?quant\s")


@dataclass(frozen=True)
class Example:
    """One README command: its first line number, the command and why it is skipped (if)."""

    line: int
    command: str
    skip: str | None


def readme_examples(text: str) -> list[Example]:
    """The quant commands of the README's shell blocks, in order."""
    out: list[Example] = []
    lang: str | None = None  # inside a fenced block when not None
    pending_skip: str | None = None
    block_skip: str | None = None
    start, parts = 0, []
    for number, line in enumerate(text.splitlines(), 1):
        if lang is None:
            if mark := SKIP_MARK.search(line):
                pending_skip = mark["reason"]
            elif line.startswith("```"):
                lang, block_skip, pending_skip = line[3:].strip().lower(), pending_skip, None
            continue
        if line.startswith("```"):
            lang = None
            continue
        if lang not in SHELL_LANGS:
            continue
        if not parts:
            if not COMMAND.match(line):
                continue
            start = number
        parts.append(line.rstrip().removesuffix("\\").rstrip())
        if not line.rstrip().endswith("\\"):
            out.append(Example(start, " ".join(p.strip() for p in parts), block_skip))
            parts = []
    return out


EXAMPLES = readme_examples(README.read_text())


def _param(ex: Example):
    marks = [pytest.mark.skip(reason=f"README line {ex.line}: {ex.skip}")] if ex.skip else []
    return pytest.param(ex, id=f"L{ex.line}:{ex.command[:60]}", marks=marks)


@pytest.fixture(scope="module")
def readme_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A lake with every shipped daily sample ingested into ``bars_1d``."""
    lake = tmp_path_factory.mktemp("readme") / "lake"
    store = DatasetStore(lake)
    for sample in samples.SAMPLES:
        if sample.timeframe == "1d":
            ingest.ingest(store, sample.path, "bars_1d", symbol=sample.symbol)
    return lake


def test_readme_has_examples_of_every_command_group():
    commands = {ex.command.split()[1] for ex in EXAMPLES if not ex.skip}
    assert {"data", "backtest", "optimize", "check-lookahead"} <= commands


def test_example_parser_joins_continuations_and_honours_skip_marks():
    text = (
        "```bash\nquant a \\\n    --b 1\necho no\n.venv/bin/quant c\n```\n"
        "<!-- readme-test: skip needs a broker -->\n\n```bash\nquant d\n```\n"
        "```python\nquant e\n```\n"
    )
    assert readme_examples(text) == [
        Example(2, "quant a --b 1", None),
        Example(5, ".venv/bin/quant c", None),
        Example(10, "quant d", "needs a broker"),
    ]


@pytest.mark.slow
@pytest.mark.parametrize("example", [_param(ex) for ex in EXAMPLES])
def test_readme_example_runs_as_written(example: Example, readme_lake: Path, tmp_path: Path):
    env = os.environ | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "QUANT_LAKE": str(readme_lake),
        # shared, like the lake: in order (`make test` runs a file's tests on one worker)
        "QUANT_LEDGER": str(readme_lake.parent / "ledger"),
        "QUANT_LOG_DIR": str(tmp_path / "logs"),
    }
    out = subprocess.run(
        ["bash", "-c", example.command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, f"README line {example.line}: {example.command}\n{out.stderr}"
    assert out.stdout.strip(), f"README line {example.line} printed nothing"
