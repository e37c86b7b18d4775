"""`quant optimize` and `quant check-lookahead`: output and exit codes (console entry point)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from quant.cli import main
from quant.data.store import DatasetStore
from tests.backtest.bars_fixture import write_bars

ROOT = Path(__file__).resolve().parents[2]


def run_main(monkeypatch, capsys, lake, *args):
    """Run the console entry point in-process; returns (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["quant", "--lake", str(lake), *args])
    with pytest.raises(SystemExit) as exc:
        main()
    out = capsys.readouterr()
    return exc.value.code or 0, out.out, out.err


@pytest.fixture
def lake(isolated_env):
    path = isolated_env / "lake"
    write_bars(path, n=200)
    return path


def test_optimize_grid_json_in_a_real_process_reports_best_params_and_writes_the_dataset(lake):
    out = subprocess.run(
        [sys.executable, "-c", "from quant.cli import main; main()", "--lake", str(lake),
         "optimize", "tests.backtest.causal_strategy", "--symbol", "TEST",
         "--grid", "fast=2:6:2", "--grid", "slow=10:20:10", "--objective", "total_return",
         "--workers", "1", "--json"],
        capture_output=True, text=True, env=os.environ | {"PYTHONPATH": str(ROOT)}, timeout=300,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["method"] == "grid" and res["dataset_version"] == 0
    assert res["evaluated"] == 6 and res["optimizations_version"] == 0
    assert res["best_params"] == {k: v for k, v in res["top"][0].items() if k in ("fast", "slow")}


def test_optimize_walk_forward_prints_windows_and_stitched_metrics(monkeypatch, capsys, lake):
    code, out, _ = run_main(
        monkeypatch, capsys, lake, "optimize", "tests.backtest.causal_strategy", "--symbol",
        "TEST", "--grid", "fast=2:4:2", "--grid", "slow=10:20:10", "--walk-forward", "100:50",
    )  # fmt: skip
    assert code == 0
    assert "walk_forward" in out and "stitched out-of-sample metrics" in out
    assert "| sharpe |" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "fast=0:5:1"], "outside"),
        ([], "--grid"),
        (["--genetic", "--objective", "happiness"], "unknown objective"),
        (["--grid", "fast=2:4:2", "--walk-forward", "100"], "TRAIN:TEST"),
        (["--grid", "fast=2:4:2", "--version", "7"], "version"),
        (["--grid", "fast=2:4:2", "--fees", "abc"], "--fees"),
        (["--grid", "fast=2:4:2", "--param", "slow=1"], "slow"),
    ],
)
def test_optimize_bad_input_exits_2_with_a_message(monkeypatch, capsys, lake, args, message):
    code, _, err = run_main(
        monkeypatch, capsys, lake, "optimize", "tests.backtest.causal_strategy", "--symbol",
        "TEST", *args,
    )  # fmt: skip
    assert code == 2
    assert err.startswith("error:") and message in err


def test_check_lookahead_exits_1_for_the_leaky_strategy_and_0_for_a_causal_one(
    monkeypatch, capsys, lake
):
    leaky = run_main(monkeypatch, capsys, lake, "check-lookahead", "tests.backtest.leaky_strategy",
                     "--symbol", "TEST", "--param", "threshold=0.9", "--json")  # fmt: skip
    causal = run_main(monkeypatch, capsys, lake, "check-lookahead",
                      "tests.backtest.causal_strategy", "--symbol", "TEST")  # fmt: skip
    assert leaky[0] == 1
    report = json.loads(leaky[1])
    assert report["ok"] is False and report["first_bar"] is not None
    assert report["symbol"] == "TEST" and report["symbol_column"] == 0
    assert causal[0] == 0 and "no lookahead found" in causal[1]
    assert "truncation points: after each of the" in causal[1] and "full_value" not in causal[1]
    assert report["what"] in ("decision", "feature 0") and report["verdict"].startswith("LOOKAHEAD")


def test_check_lookahead_with_an_invalid_param_exits_2(monkeypatch, capsys, lake):
    code, _, err = run_main(
        monkeypatch, capsys, lake, "check-lookahead", "tests.backtest.causal_strategy",
        "--symbol", "TEST", "--param", "fast=50", "--param", "slow=10",
    )  # fmt: skip
    assert code == 2 and "fast must be < slow" in err


def test_optimize_fixed_params_and_costs_reach_every_candidate(monkeypatch, capsys, lake):
    args = ["optimize", "tests.backtest.causal_strategy", "--symbol", "TEST", "--grid",
            "fast=2:4:2", "--param", "slow=15", "--json"]  # fmt: skip
    free = json.loads(run_main(monkeypatch, capsys, lake, *args)[1])
    costly = json.loads(run_main(monkeypatch, capsys, lake, *args, "--fees", "0.5,1")[1])
    assert [r["slow"] for r in free["top"]] == [15, 15]
    assert free["run_id"] != costly["run_id"]
    by_fast = {r["fast"]: r["sharpe"] for r in free["top"]}
    assert all(r["sharpe"] < by_fast[r["fast"]] for r in costly["top"])  # fees cost return


def test_optimize_start_and_end_keep_only_the_bars_within_the_dates(monkeypatch, capsys, lake):
    args = ["optimize", "tests.backtest.causal_strategy", "--symbol", "TEST", "--grid",
            "fast=2:4:2", "--param", "slow=10", "--json"]  # fmt: skip
    whole = json.loads(run_main(monkeypatch, capsys, lake, *args)[1])
    code, out, _ = run_main(
        monkeypatch, capsys, lake, *args, "--start", "2010-02-01", "--end", "2010-03-31"
    )
    part = json.loads(out)
    assert code == 0 and (part["start"], part["end"]) == ("2010-02-01", "2010-03-31")
    rows = DatasetStore(lake).read("optimizations")
    n_bars = {r: set(rows.filter(pl.col("run_id") == r)["n_bars"]) for r in set(rows["run_id"])}
    assert n_bars[part["run_id"]] == {28 + 31}  # daily bars, both ends inclusive
    assert n_bars[whole["run_id"]] == {200}
    assert part["run_id"] != whole["run_id"]


@pytest.mark.parametrize(
    ("dates", "message"),
    [(["--start", "2010-02-30"], "--start"), (["--start", "2031-01-01"], "no bars")],
)
def test_optimize_bad_or_empty_date_range_exits_2(monkeypatch, capsys, lake, dates, message):
    code, _, err = run_main(
        monkeypatch, capsys, lake, "optimize", "tests.backtest.causal_strategy", "--symbol",
        "TEST", "--grid", "fast=2:4:2", *dates,
    )  # fmt: skip
    assert code == 2 and message in err
