"""The `quant` console command, run as a real subprocess."""

import json
import subprocess
import sys

import pytest

from quant.data import samples


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-c", "from quant.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_version_prints_package_version():
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("quant 0.")


def test_unknown_option_exits_2_with_usage():
    out = run("--bogus")
    assert out.returncode == 2
    assert "No such option" in out.stderr


def test_bad_config_exits_2_naming_the_field(monkeypatch):
    monkeypatch.setenv("QUANT_LOG_LEVEL", "loud")
    out = run("config", "show")
    assert out.returncode == 2
    assert "QUANT_LOG_LEVEL" in out.stderr
    assert "Traceback" not in out.stderr


def test_help_needs_no_settings_but_every_command_checks_them(monkeypatch):
    monkeypatch.setenv("QUANT_LOG_LEVEL", "loud")
    assert run("data", "--help").returncode == 0
    out = run("samples", "list")
    assert out.returncode == 2
    assert "QUANT_LOG_LEVEL" in out.stderr


def test_lake_option_overrides_env_in_json_output(tmp_path):
    out = run("--lake", str(tmp_path / "elsewhere"), "config", "show", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["lake"] == str(tmp_path / "elsewhere")


def test_secret_never_printed(monkeypatch):
    monkeypatch.setenv("QUANT_BROKER_API_SECRET", "s3cr3t-value")
    out = run("config", "show", "--json")
    assert "s3cr3t-value" not in out.stdout + out.stderr


def test_samples_list_json_reports_every_file_with_its_rows():
    out = run("samples", "list", "--json")
    assert out.returncode == 0, out.stderr
    rows = {r["file"]: r for r in json.loads(out.stdout)}
    assert set(rows) == {s.file for s in samples.SAMPLES}
    assert all(r["rows_on_disk"] == r["rows"] for r in rows.values())


HEAVY = ("numba", "polars", "deltalake", "duckdb", "pyarrow", "dagster")

# Builds the whole command tree, prints the help page of every group and command and the
# version in one process, then reports the pages and the top-level packages imported.
_EVERY_HELP_PAGE = """
import contextlib, io, json, sys
import typer.main
from quant.cli import app, main

def walk(cmd, path):
    yield path
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from walk(sub, [*path, name])

pages = {}
for path in [*walk(typer.main.get_command(app), []), ["--version"]]:
    sys.argv = ["quant", *path] if path == ["--version"] else ["quant", *path, "--help"]
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.suppress(SystemExit):
        main()
    pages[" ".join(path)] = buf.getvalue()
print(json.dumps({"pages": pages, "modules": sorted({m.split(".")[0] for m in sys.modules})}))
"""


@pytest.fixture(scope="module")
def every_help_page() -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _EVERY_HELP_PAGE], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_help_and_version_import_no_heavy_package(every_help_page):
    pages = every_help_page["pages"]
    assert {"", "data", "data ingest", "backtest", "optimize", "--version"} <= set(pages)
    assert all(text.strip() for text in pages.values())
    assert set(HEAVY) & set(every_help_page["modules"]) == set()


def test_help_pages_show_no_raw_rst_or_rich_markup(every_help_page):
    for page, text in every_help_page["pages"].items():
        for raw in ("``", ":param", ":func:", ":class:", "[bold", "[/"):
            assert raw not in text, (page, raw)


def test_every_argument_and_option_has_help_text():
    import click
    import typer.main

    from quant.cli import app

    def walk(cmd: click.Command, path: str):
        yield path, cmd
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, f"{path} {name}".strip())

    missing = [
        f"quant {path}: {p.name}"
        for path, cmd in walk(typer.main.get_command(app), "")
        for p in cmd.params
        if p.name != "help" and not (getattr(p, "help", None) or "").strip()
    ]
    assert missing == []


def test_backtest_and_optimize_help_list_the_strategies(every_help_page):
    from strategies import REGISTRY

    for page in ("backtest", "optimize", "check-lookahead", "live replay"):
        text = " ".join(every_help_page["pages"][page].split())
        assert all(name in text for name in REGISTRY), page


def test_no_module_imports_the_root_cli():
    import ast
    from pathlib import Path

    import quant

    root = Path(quant.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if "quant.cli" in names:
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
