"""The `quant` console command, run as a real subprocess."""

import json
import subprocess
import sys

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
