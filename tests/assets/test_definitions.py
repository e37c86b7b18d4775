import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from assets import dagster_home
from assets.definitions import defs

ROOT = Path(__file__).resolve().parents[2]


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("samples_job") is not None


def test_dg_check_defs_loads_the_project(tmp_path):
    home = dagster_home.ensure(tmp_path / "dagster_home")
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    out = subprocess.run(
        [str(Path(sys.executable).parent / "dg"), "check", "defs"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "All definitions loaded successfully" in out.stderr + out.stdout


def test_samples_job_materialises_catalogue_with_passing_check():
    job = defs.resolve_job_def("samples_job")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    mat = result.asset_materializations_for_node("sample_catalogue")[0]
    assert mat.metadata["files"].value == 7
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks)
