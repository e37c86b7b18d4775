"""The lookahead guard wired to the real engine: leaky strategies are caught, causal ones pass."""

import numpy as np
import pytest

from quant.backtest.bars import BarArrays, from_arrays, from_frame
from quant.backtest.lookahead import check_lookahead, default_prefixes
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
    report = check_lookahead(
        runner.decisions({}), runner.n_bars, n_checks=12, features=runner.features({})
    )
    assert report.ok, report.verdict()
    assert report.n_decision_points > 0  # it did decide something, and each change was checked
    assert len(report.prefixes) >= report.n_decision_points
    assert report.verdict().startswith("no lookahead found: decisions and features compared at")


def jumpy_bars(jumps: list[int], n: int = 300) -> BarArrays:
    """A quiet random walk (1 % a bar) whose close jumps 15 % at the given bars."""
    rng = np.random.default_rng(3)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    for j in jumps:
        close[j:] *= 1.15
    opens = np.r_[close[0], close[:-1]]
    return from_arrays(np.arange(n) * 86_400 * 10**9, close, opens,
                       np.maximum(opens, close) * 1.001, np.minimum(opens, close) * 0.999,
                       np.full(n, 1e6))  # fmt: skip


def test_a_rare_one_bar_peek_is_caught_at_the_bar_it_cheats_on():
    runner = BacktestRunner("tests.backtest.peeking_strategy", jumpy_bars([137, 211]), {})
    decisions = runner.decisions({})
    # the old sample of ~10 evenly spread prefixes never cuts right before a jump
    assert check_lookahead(decisions, runner.n_bars, prefixes=default_prefixes(300)).ok
    report = check_lookahead(decisions, runner.n_bars)
    assert not report.ok
    assert (report.first_bar, report.prefix, report.leak.what) == (136, 137, "decision")
    assert (report.full_value, report.truncated_value) == (1.0, 0.0)
    assert report.n_decision_points == 1 + 4  # the first decision, up and down at each jump
    assert "decision at bar 136" in report.verdict() and "cut after 137 bars" in report.verdict()


def test_a_cheat_on_the_last_bar_is_caught():
    runner = BacktestRunner("tests.backtest.peeking_strategy", jumpy_bars([299]), {})
    report = check_lookahead(runner.decisions({}), runner.n_bars)
    assert (report.ok, report.first_bar, report.prefix) == (False, 298, 299)


def test_comparing_features_names_the_feature_and_sees_the_peek_on_every_bar():
    runner = BacktestRunner("tests.backtest.peeking_strategy", jumpy_bars([137]), {})
    report = check_lookahead(runner.decisions({}), runner.n_bars, features=runner.features({}))
    # the next-bar return is unknown on the last bar of any truncated history: the first cut
    assert report.leak.what == "feature 0" and (report.first_bar, report.prefix) == (0, 1)
    assert np.isnan(report.truncated_value) and report.to_dict()["truncated_value"] is None


def test_a_clean_report_has_no_empty_leak_fields_and_says_what_it_checked():
    runner = BacktestRunner("tests.backtest.causal_strategy", BARS, {})
    report = check_lookahead(runner.decisions({"fast": 5, "slow": 20}), runner.n_bars)
    out = report.to_dict()
    assert out["ok"] is True
    assert not {"symbol_column", "prefix", "full_value", "truncated_value", "first_bar"} & set(out)
    assert out["n_points"] == len(report.prefixes) > out["n_decision_points"] > 0
    assert f"at {out['n_points']} truncation points" in out["verdict"]


def test_an_extra_causality_check_is_run_and_its_leak_reported():
    from quant.backtest.lookahead import Leak

    runner = BacktestRunner("tests.backtest.causal_strategy", BARS, {})
    decisions = runner.decisions({"fast": 5, "slow": 20})
    calls = []

    def streaming_equals_batch():
        calls.append(1)
        return "streaming features equal batch features over 300 bars", None

    ok = check_lookahead(decisions, runner.n_bars, extra_check=streaming_equals_batch)
    assert ok.ok and calls == [1] and "streaming features equal batch" in ok.checked

    def mismatch():
        return "streaming vs batch", Leak(42, 0, "feature 1", 1.0, 2.0, None, "streaming")

    bad = check_lookahead(decisions, runner.n_bars, extra_check=mismatch)
    assert (bad.ok, bad.first_bar, bad.leak.check) == (False, 42, "streaming")
    assert "by the streaming check" in bad.verdict()
