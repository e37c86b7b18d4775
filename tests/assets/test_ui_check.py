"""`make ui-check`: the real webserver shows a backtest run in a real headless Chromium.

Starts ``dagster-webserver`` on the project's workspace and a fresh DAGSTER_HOME, records a
real materialisation of ``bars_1d`` and ``backtest_sma_crossover`` (partition SPX) in that
instance, then lets Chromium render the asset graph and the materialisation's page.
Screenshots go to ``$UI_CHECK_SHOTS`` (``make ui-check``: ``.dagster/ui-check``, out of
git) or to the test's temp folder.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from assets import dagster_home
from assets.backtests.backtest import backtest_assets
from assets.bars.daily import bars_1d
from assets.store import StoreResource
from tests.assets.ui_browser import CHROMIUM, free_port, page_text, screenshot, wait_loaded

ROOT = Path(__file__).resolve().parents[2]
SYMBOL = "SPX"


def _materialise(home: Path) -> dg.ExecuteInProcessResult:
    sma = next(a for a in backtest_assets if a.key.to_user_string() == "backtest_sma_crossover")
    return dg.materialize(
        [bars_1d, sma],
        partition_key=SYMBOL,
        resources={"store": StoreResource()},  # the lake of QUANT_LAKE (a temp folder)
        instance=dg.DagsterInstance.from_config(str(home)),
    )


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium)")
def test_asset_graph_and_backtest_materialisation_render_in_headless_chromium(tmp_path):
    home = dagster_home.ensure(tmp_path / "dagster_home")
    shots = Path(os.environ.get("UI_CHECK_SHOTS") or tmp_path / "shots")
    port = free_port()
    log = (tmp_path / "webserver.log").open("w")
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-h", "127.0.0.1",
         "-p", str(port), "-w", "workspace.yaml"],
        cwd=ROOT, env={**os.environ, "DAGSTER_HOME": str(home)},
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        run = _materialise(home)  # while the webserver loads the definitions
        assert run.success
        assert [e["name"] for e in wait_loaded(port)] == ["quant"]
        base = f"http://127.0.0.1:{port}"

        group = f"{base}/locations/quant/asset-groups/backtests"
        text = page_text(group)
        for shown in ("backtest_sma_crossover", "optimizations", "bars_1d", "Delta Lake"):
            assert shown in text, shown

        events = f"{base}/assets/backtest_sma_crossover?view=events&partition={SYMBOL}"
        text = page_text(events)
        assert f"Partition {SYMBOL} materialized in run {run.run_id[:8]}" in text
        for entry in ("dagster/row_count", "dagster/column_schema", "metrics", "sharpe",
                      "n_trades", "equity_drawdown", "upstream/bars_1d"):  # fmt: skip
            assert entry in text, entry

        pages = (("backtests_graph", group, 900), ("backtest_materialisation", events, 1600))
        for name, url, height in pages:
            png = screenshot(url, shots / f"{name}.png", height)
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    finally:
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(timeout=60)
        log.close()
