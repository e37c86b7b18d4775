"""``quant data ...`` run in-process through ``quant.cli.main`` (exit codes included)."""

import json
import shutil
import sys

import pytest

from quant.cli import main
from quant.data.store import DatasetStore
from tests.data.store.conftest import bars


def quant(capsys, monkeypatch, *args):
    monkeypatch.setattr(sys, "argv", ["quant", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out, out.err


@pytest.fixture
def lake(tmp_path):
    store = DatasetStore(tmp_path / "lake", lock_timeout_s=5)
    store.append("bars_1d", bars("NVDA", 3), message="first")
    store.append("bars_1d", bars("ORCL", 2), message="second")
    return tmp_path / "lake"


def test_list_versions_show_json(capsys, monkeypatch, lake):
    code, out, _ = quant(capsys, monkeypatch, "--lake", str(lake), "data", "list", "--json")
    assert code == 0 and json.loads(out)[0] == {
        **json.loads(out)[0],
        "dataset": "bars_1d",
        "version": 1,
        "rows": 5,
    }
    code, out, _ = quant(capsys, monkeypatch, "data", "versions", "bars_1d", "--json")
    assert code == 0
    assert [v["message"] for v in json.loads(out)] == ["first", "second"]
    code, out, _ = quant(
        capsys, monkeypatch, "data", "show", "bars_1d", "--version", "0", "--limit", "2", "--json"
    )
    shown = json.loads(out)
    assert (shown["version"], shown["rows_total"], len(shown["rows"])) == (0, 3, 2)


def test_rollback_tag_diff_snapshot_verify_locks(capsys, monkeypatch, lake):
    def run(*args):
        code, out, err = quant(capsys, monkeypatch, "data", *args, "--json")
        assert code == 0, err
        return json.loads(out)

    assert run("tag", "bars_1d", "golden", "--version", "0")["version"] == 0
    assert run("rollback", "bars_1d", "--to", "golden", "--reason", "bad")["rows_total"] == 3
    assert run("diff", "bars_1d", "1", "2")["keys_removed"] == 2
    assert run("snapshot", "create", "s1", "bars_1d@1")["datasets"] == {"bars_1d": 1}
    assert run("snapshot", "show", "s1")["name"] == "s1"
    assert [s["name"] for s in run("snapshot", "list")] == ["s1"]
    assert run("verify", "bars_1d", "--all")["ok"]
    assert run("locks")[0]["acquisitions"] == 5  # 2 appends, tag, rollback, snapshot
    plan = run("gc", "--dry-run", "--keep-last", "1", "--grace", "0")[0]
    assert plan["protected_versions"] == [0, 1] and plan["dry_run"] and plan["grace_s"] == 0
    assert run("untag", "bars_1d", "golden")["tag"] == "golden"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["versions", "nope"], "dataset 'nope' does not exist"),
        (["show", "bars_1d", "--version", "9"], "no version 9"),
        (["show", "bars_1d", "--tag", "zz"], "no tag 'zz'"),
        (["rollback", "bars_1d", "--to", "zz", "--reason", "x"], "no tag 'zz'"),
        (["rollback", "nope", "--to", "0", "--reason", "x"], "does not exist"),
        (["tag", "bars_1d", "t", "--version", "7"], "no version 7"),
        (["snapshot", "create", "s", "bars_1d@9"], "no version 9"),
        (["snapshot", "show", "zz"], "no snapshot named 'zz'"),
        (["diff", "bars_1d", "0", "5"], "no version 5"),
        (["verify", "nope"], "does not exist"),
    ],
)
def test_unknown_names_exit_2_with_message_and_change_nothing(
    capsys, monkeypatch, lake, args, message
):
    code, _, err = quant(capsys, monkeypatch, "--lake", str(lake), "data", *args)

    assert code == 2
    assert err.startswith("error: ") and message in err
    store = DatasetStore(lake, lock_timeout_s=5)
    assert store.version_info("bars_1d").version == 1
    assert store.tags("bars_1d") == [] and store.snapshots() == []


def test_verify_of_a_tampered_dataset_exits_2_naming_the_version(capsys, monkeypatch, lake):
    store = DatasetStore(lake, lock_timeout_s=5)
    files = [f.removeprefix("file://") for f in store.open_table("bars_1d").file_uris()]
    shutil.copyfile(files[0], files[1])

    code, out, err = quant(capsys, monkeypatch, "--lake", str(lake), "data", "verify", "bars_1d")

    assert code == 2
    assert "checksum mismatch at version(s) 1" in err
    assert "False" in out
