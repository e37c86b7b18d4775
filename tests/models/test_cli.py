"""`quant models` as a real subprocess on a lake holding shipped S&P 500 / NASDAQ bars."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from quant.backtest.config import BacktestConfig
from quant.backtest.engine import run_backtest
from quant.backtest.results import write_backtest
from quant.data.store import DatasetStore
from quant.models import artefacts
from quant.models.pairs_data import read_pair
from tests.models.pair_fixture import arch_bars


def quant(lake: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from quant.cli import main; main()", "--lake", str(lake), *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_fit_list_show_anomalies_and_sharpe(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    store = DatasetStore(lake)
    store.append("bars_1d", pl.concat([arch_bars("NDX", 600), arch_bars("SPX", 600)]))

    fit = quant(lake, "models", "fit", "NDX", "SPX", "--window", "40", "--seed", "3", "--json")
    assert fit.returncode == 0, fit.stderr
    out = json.loads(fit.stdout)
    assert out["pair"] == "NDX~SPX" and out["pairs_lineage"] == '{"bars_1d": 0}'
    assert out["seed"] == 3 and 0 < out["phi"] < 1

    listed = json.loads(quant(lake, "models", "list", "--json").stdout)
    assert {r["dataset"] for r in listed} == {"pairs_1d", "spread_ar"}
    shown = json.loads(quant(lake, "models", "show", "pairs_1d", "--json").stdout)
    assert shown["provenance"]["seed"] == "3"
    assert shown["parameters"][0]["pair"] == "NDX~SPX"

    an = json.loads(quant(lake, "models", "anomalies", "SPX", "--json").stdout)
    assert an["bars"] == 600 and all("band_lo" in f and "confidence" in f for f in an["flags"])

    bars, v = read_pair(store, "NDX")
    result = run_backtest("pairs_spread", bars, None, BacktestConfig(allow_short=True))
    write_backtest(store, result, "pairs_1d", v)
    sh = quant(lake, "models", "sharpe", "pairs_spread:NDX", "--draws", "100", "--tune", "100",
               "--chains", "1", "--seed", "5", "--json")  # fmt: skip
    assert sh.returncode == 0, sh.stderr
    post = json.loads(sh.stdout)
    assert 0.0 <= post["p_sharpe_gt_0"] <= 1.0 and post["bars_dataset"] == "pairs_1d"
    assert post["ci94_low"] <= post["sharpe_median"] <= post["ci94_high"]
    assert artefacts.load_netcdf(post["trace"]).posterior["sharpe"].shape == (1, 100)


def test_errors_exit_2_with_a_message(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    bad = quant(lake, "models", "show", "nope")
    assert bad.returncode == 2 and "error: no model dataset 'nope'" in bad.stderr
    DatasetStore(lake).append("bars_1d", arch_bars("SPX", 50))
    missing = quant(lake, "models", "fit", "NDX", "SPX")
    assert missing.returncode == 2 and "no bars for NDX" in missing.stderr
    run = quant(lake, "models", "sharpe", "sma_crossover:SPX")
    assert run.returncode == 2 and "no backtests are stored" in run.stderr
