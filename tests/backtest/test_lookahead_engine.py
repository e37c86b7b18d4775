"""The lookahead guard wired to the real engine: leaky strategies are caught, causal ones pass."""

import numpy as np
import pytest

from quant.backtest.bars import from_frame
from quant.backtest.lookahead import check_lookahead
from quant.backtest.runner import BacktestRunner
from quant.backtest.strategy import available, resolve
from tests.backtest.bars_fixture import synthetic_bars
from tests.models.pair_fixture import with_pair_inputs

BARS = from_frame(synthetic_bars(n=300))


def test_engine_targets_of_a_causal_strategy_survive_truncation():
    runner = BacktestRunner("tests.backtest.causal_strategy", BARS, {})
    report = check_lookahead(runner.decisions({"fast": 5, "slow": 20}), runner.n_bars)
    assert report.ok


def test_full_history_max_normalisation_is_flagged_with_its_first_bar():
    runner = BacktestRunner("tests.backtest.leaky_strategy", BARS, {})
    decisions = runner.decisions({"threshold": 0.9})
    report = check_lookahead(decisions, runner.n_bars)
    assert not report.ok
    full, truncated = decisions(runner.n_bars), decisions(report.prefix)
    assert full[report.first_bar, 0] != truncated[report.first_bar, 0]
    assert (full[: report.first_bar] == truncated[: report.first_bar]).all()


@pytest.mark.parametrize("fill_timing", ["next_open", "same_close"])
def test_guard_compares_decisions_not_fills(fill_timing):
    runner = BacktestRunner("tests.backtest.causal_strategy", BARS, {"fill_timing": fill_timing})
    assert check_lookahead(runner.decisions({"fast": 3, "slow": 10}), runner.n_bars).ok


@pytest.mark.parametrize("name", available())
def test_every_shipped_strategy_passes_the_guard_with_default_params(name):
    bars = with_pair_inputs(BARS) if getattr(resolve(name), "INPUTS", ()) else BARS
    runner = BacktestRunner(name, bars, {"allow_short": True})
    report = check_lookahead(runner.decisions({}), runner.n_bars, n_checks=12)
    assert report.ok, report
    assert not np.isnan(runner.decisions({})(runner.n_bars)).all()  # it did decide something
