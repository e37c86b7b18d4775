"""HALT conditions: each one triggers on its own, through the simulator's limit functions."""

from __future__ import annotations

import math

import pytest

from quant.risk.halt import HaltConfig, HaltInputs, evaluate_halt

NOW = 1_700_000_000_000_000_000
OK = HaltInputs(equity=100.0, day_start_equity=100.0, peak_equity=100.0, now_ns=NOW)


def _with(**kw) -> HaltInputs:
    return HaltInputs(**{**OK.__dict__, **kw})


def test_healthy_account_does_not_halt() -> None:
    assert evaluate_halt(HaltConfig(), OK) is None


@pytest.mark.parametrize(
    ("inputs", "code", "reason"),
    [
        (_with(equity=84.9, day_start_equity=84.9), "total_drawdown", "drawdown 15.10%"),
        (_with(equity=97.9), "daily_drawdown", "daily drawdown 2.10%"),
        (_with(consecutive_losses=5), "consecutive_losses", "5 losing trades"),
        (_with(sigma={"AAPL": 0.01, "BTC": 0.07}), "volatility", "BTC annualised"),
        (_with(api_errors_last_minute=10), "api_errors", "10 API errors"),
        (_with(last_bar_ns=NOW - 61_000_000_000), "stale_data", "no new bar for 61 s"),
    ],
)
def test_each_default_condition_triggers(inputs: HaltInputs, code: str, reason: str) -> None:
    trigger = evaluate_halt(HaltConfig(), inputs)
    assert trigger is not None
    assert trigger.code == code
    assert reason in trigger.reason


@pytest.mark.parametrize(
    "inputs",
    [
        _with(equity=85.1, day_start_equity=85.1),  # 14.9 % below the peak
        _with(equity=98.1),  # 1.9 % on the day
        _with(consecutive_losses=4),
        _with(sigma={"AAPL": 1.0 / math.sqrt(252) * 0.99}),
        _with(api_errors_last_minute=9),
        _with(last_bar_ns=NOW - 59_000_000_000),
        _with(last_bar_ns=NOW - 3_600_000_000_000, market_open=False),  # closed market
    ],
)
def test_conditions_just_inside_their_limits_do_not_trigger(inputs: HaltInputs) -> None:
    assert evaluate_halt(HaltConfig(), inputs) is None


def test_zero_disables_a_condition() -> None:
    cfg = HaltConfig(max_drawdown=0, max_daily_drawdown=0, max_consecutive_losses=0)
    bad = _with(equity=50.0, consecutive_losses=50)
    assert evaluate_halt(cfg, bad) is None
    assert evaluate_halt(HaltConfig(), bad).code == "total_drawdown"


def test_defaults_are_the_documented_limits() -> None:
    cfg = HaltConfig()
    assert (cfg.max_drawdown, cfg.max_daily_drawdown, cfg.max_consecutive_losses) == (0.15, 0.02, 5)
    assert (cfg.max_api_errors_per_min, cfg.max_staleness_s, cfg.action) == (10, 60.0, "close")
