"""Every identifier validator matches the whole name: a trailing newline is refused."""

from __future__ import annotations

import sys

import pytest

from quant.cli import main
from quant.data.store import InvalidName
from quant.data.store.names import check_column, check_dataset, check_tag
from tests.data.store.conftest import bars


@pytest.mark.parametrize("check", [check_dataset, check_tag, check_column])
def test_a_name_with_a_trailing_newline_is_refused(check):
    assert check("bars_1m") == "bars_1m"
    with pytest.raises(InvalidName, match=r"bars_1m\\n"):
        check("bars_1m\n")


def test_writes_tags_and_snapshots_refuse_a_trailing_newline_and_leave_no_directory(store):
    with pytest.raises(InvalidName, match="invalid dataset name"):
        store.append("bars_1m\n", bars())
    store.append("bars_1d", bars())
    with pytest.raises(InvalidName, match="invalid tag name"):
        store.tag("bars_1d", "golden\n")
    with pytest.raises(InvalidName, match="invalid snapshot name"):
        store.create_snapshot("snap\n", ["bars_1d"])
    with pytest.raises(InvalidName, match="invalid column name"):
        store.append("bars_1d", bars().rename({"close": "close\n"}))

    assert sorted(p.name for p in store.root.iterdir()) == ["_quant", "bars_1d"]
    assert store.refs.tags("bars_1d") == {} and store.snapshots() == []
    assert store.read("bars_1d").columns == bars().columns


def test_the_cli_refuses_a_dataset_name_with_a_newline(store, capsys, monkeypatch):
    store.append("bars_1d", bars())
    monkeypatch.setattr(
        sys, "argv", ["quant", "--lake", str(store.root), "data", "tag", "bars_1d\n", "t"]
    )
    with pytest.raises(SystemExit) as exit_info:
        main()

    assert exit_info.value.code == 2
    assert "error: invalid dataset name 'bars_1d\\n'" in capsys.readouterr().err
    assert store.refs.tags("bars_1d") == {}
    assert len(store.versions("bars_1d")) == 1
