"""Versions, diff, rollback (and its undo), tags, snapshots and lineage through the research API."""

from __future__ import annotations

import quant.research as qr
from quant.research import datasets


def test_bad_load_is_rolled_back_and_the_rollback_undone(tmp_path):
    lake = qr.sample_lake(tmp_path / "lake", symbols=["IDX2006"])
    try:
        good = qr.version("bars_1d")
        qr.tag("bars_1d", "baseline")
        bad = qr.store().overwrite("bars_1d", qr.load("bars_1d").head(10), message="truncated")
        d = qr.diff("bars_1d", "baseline", bad.version)
        assert (d["rows_a"], d["rows_b"]) == (255, 10)
        back = qr.rollback("bars_1d", "baseline", reason="truncated vendor file")
        assert back.checksum == good.checksum and qr.load("bars_1d").height == 255
        undo = qr.rollback("bars_1d", bad.version, reason="undo the rollback")
        assert undo.checksum == bad.checksum
        hist = qr.versions("bars_1d")
        assert hist["operation"].to_list()[-2:] == ["rollback", "rollback"]
        assert qr.tags("bars_1d")["tag"].to_list() == ["baseline"]
        assert qr.load("bars_1d", tag="baseline").height == 255
        snap = qr.snapshot("before-models", ["bars_1d@baseline"])
        assert snap["datasets"] == {"bars_1d": good.version}
        assert qr.snapshots()["name"].to_list() == ["before-models"]
        assert "bars_1d" in lake._repr_html_()
    finally:
        datasets._active = None


def test_lineage_walks_from_a_model_dataset_to_the_bars_it_read(tmp_path):
    qr.sample_lake(tmp_path / "lake", symbols=["NDX", "SPX"])
    try:
        fit = qr.models.fit_pair("NDX", "SPX", window=60)
        assert 0.0 < fit["phi"] < 1.0
        tree = qr.lineage("spread_ar")
        assert tree["dataset"].to_list() == ["spread_ar", "pairs_1d", "bars_1d"]
        assert tree["depth"].to_list() == [0, 1, 2]
        assert qr.models.list()["dataset"].to_list() == ["pairs_1d", "spread_ar"]
        pair = qr.models.pair("NDX")
        assert {"x_close", "hedge_beta"} <= set(pair.columns)
        bt = qr.backtest("pairs_spread", "pairs_1d", symbols="NDX")
        assert bt.lineage()["bars_lineage"] == {"bars_1d": qr.version("bars_1d").version}
    finally:
        datasets._active = None


def test_lake_without_a_path_resolves_a_relative_setting_against_the_project(monkeypatch):
    monkeypatch.setenv("QUANT_LAKE", "data/no-such-lake-here")
    datasets._active = None
    try:
        assert qr.lake().path == datasets.PROJECT_ROOT / "data" / "no-such-lake-here"
    finally:
        datasets._active = None
