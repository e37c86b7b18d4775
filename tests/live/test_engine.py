"""The live engine per bar: old or repeated bars are skipped, the pre-trade pipeline refuses
orders before the broker (stage recorded), unsupported configurations are named."""

from decimal import Decimal

import pytest

from quant.backtest.bars import from_frame
from quant.backtest.config import BacktestConfig
from quant.live.engine import LiveConfigError, LiveEngine
from quant.live.replay import bar_rows, open_paper, run_bars
from quant.live.validate import pretrade_validator
from quant.risk.instruments import InstrumentRules
from quant.risk.validation import ValidationConfig
from tests.backtest.sample_bars import daily_bars

PARAMS = {"window": 10, "entry": 1.2, "exit": 0.4}


def test_a_bar_already_processed_or_older_is_skipped_and_changes_nothing(tmp_path):
    bars = from_frame(daily_bars("ORCL", 80))
    ledger, broker = open_paper(tmp_path, 100_000.0)
    eng = LiveEngine("zscore_reversion", bars.symbols, ledger, broker, PARAMS)
    assert run_bars(eng, bars) == 80
    before = (ledger.orders(), ledger.fills(), len(broker.orders()))
    fresh = LiveEngine("zscore_reversion", bars.symbols, ledger, broker, PARAMS)  # restarted
    assert fresh.on_bar(int(bars.ts[40]), bar_rows(bars, 40)).skipped  # replayed old bar
    assert run_bars(fresh, bars) == 0  # everything already committed
    assert (ledger.orders(), ledger.fills(), len(broker.orders())) == before


def test_the_pretrade_pipeline_refuses_entries_before_the_broker_and_records_the_stage(tmp_path):
    bars = from_frame(daily_bars("ORCL", 200))
    ledger, broker = open_paper(tmp_path, 100_000.0)
    rules = {"ORCL": InstrumentRules(lot_size=Decimal("0.000001"))}
    cfg = ValidationConfig(instruments=rules, max_position=0.05)
    check = pretrade_validator(ledger, cfg, "zscore_reversion")
    eng = LiveEngine("zscore_reversion", bars.symbols, ledger, broker, PARAMS, validate=check)
    refused = {}
    for t in range(bars.shape[0]):
        refused |= eng.on_bar(int(bars.ts[t]), bar_rows(bars, t)).refused
    assert refused and all(why.startswith("risk_limits:") for why in refused.values())
    assert not set(refused) & {o.client_id for o in broker.orders()}  # never sent
    rows = {o["client_order_id"]: o for o in ledger.orders()}
    assert all(rows[c]["status"] == "rejected" and rows[c]["reason"] == refused[c] for c in refused)
    with ledger.read() as r:
        assert {f["stage"] for f in r.validation_failures("zscore_reversion")} == {"risk_limits"}


@pytest.mark.parametrize(
    ("cfg", "match"),
    [({"stop_loss": 0.05}, "bracket"), ({"fill_timing": "same_close"}, "same_close")],
)
def test_unsupported_live_configurations_are_named(tmp_path, cfg, match):
    ledger, broker = open_paper(tmp_path, 100_000.0)
    with pytest.raises(LiveConfigError, match=match):
        LiveEngine("zscore_reversion", ["ORCL"], ledger, broker, PARAMS, BacktestConfig(**cfg))
