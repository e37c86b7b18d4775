"""The specialised loops (one strategy's ``decide`` compiled in, unused parts left out) give
exactly the general loop's results on random configurations, markets and decisions."""

from __future__ import annotations

import numpy as np
import pytest

from quant.backtest import engine
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import run_backtest
from quant.core.sim.loop import FULL_PLAN, Plan, plan_for, simulate, specialised
from strategies import sma_crossover
from tests.backtest.scripted import scripted
from tests.core.sim.test_invariants import random_market


def random_config(rng: np.random.Generator) -> BacktestConfig:
    """A configuration drawn over every option of the simulator (each part on or off)."""

    def maybe(value, p: float = 0.5):
        return value if rng.random() < p else 0.0

    slip = str(rng.choice(["none", "constant", "linear", "sqrt"]))
    stop = maybe(float(rng.uniform(0.01, 0.05)))
    rule = str(rng.choice(["fixed", "fraction", "risk", "vol", "kelly"]))
    value = {"fixed": 10.0, "fraction": 0.2, "risk": 0.01, "vol": 0.2, "kelly": 0.5}[rule]
    return BacktestConfig(
        cash=1e6,
        fill_timing=str(rng.choice(["next_open", "next_close", "same_close"])),
        fees={"pct": maybe(0.001), "fixed": maybe(1.0), "minimum": maybe(2.0)},
        slippage={"model": slip, "param": 0.0 if slip == "none" else 0.5},
        participation=maybe(float(rng.uniform(0.01, 0.2))),
        clamp_slippage_to_bar=bool(rng.random() < 0.3),
        entry_order=str(rng.choice(["market", "market", "limit", "stop"])),
        entry_offset=0.002,
        time_in_force=str(rng.choice(["gtc", "day", "ioc"])),
        stop_loss=stop,
        take_profit=maybe(float(rng.uniform(0.02, 0.08))),
        allow_short=bool(rng.random() < 0.5),
        sizing={"rule": rule, "value": value, "shrink_for_slippage": bool(rng.random() < 0.3)},
        risk={
            "max_position": maybe(0.3),
            "max_exposure": maybe(0.8),
            "max_daily_loss": maybe(0.02, 0.3),
            "max_drawdown": maybe(0.05, 0.3),
            "max_consecutive_losses": int(maybe(3, 0.3)),
            "max_volatility": maybe(0.3, 0.3),
            "halt_action": str(rng.choice(["close", "freeze"])),
        },
    )


def _general_loop(decide, plan):
    """What ``engine.specialised`` returns, but running the general loop."""
    return lambda _none, *args: simulate(decide, *args)


def assert_same_result(a, b) -> None:
    """Every per-bar array and every record bit-identical (NaN equal to NaN)."""
    for name in ("equity", "exposure", "targets", "halt", "orders", "fills", "trades"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert x.tobytes() == y.tobytes(), name  # bits, so NaN == NaN and -0.0 != 0.0
    assert a.n_clamped_fills == b.n_clamped_fills


@pytest.mark.parametrize("seed", range(12))
def test_specialised_loop_equals_the_general_loop_on_random_configurations(seed, monkeypatch):
    rng = np.random.default_rng(1000 + seed)
    cfg = random_config(rng)
    bars, targets = random_market(seed, n=300)
    strategy = scripted(*targets)
    fast = run_backtest(strategy, bars, None, cfg)
    with monkeypatch.context() as m:
        m.setattr(engine, "specialised", _general_loop)
        general = run_backtest(scripted(*targets), bars, None, cfg)
    assert len(general.fills) > 0
    assert_same_result(fast, general)


@pytest.mark.parametrize("short", [False, True])
def test_a_real_strategy_compiled_into_the_loop_trades_exactly_like_the_general_loop(
    short, monkeypatch
):
    rng = np.random.default_rng(7)
    bars, _ = random_market(11, n=600)
    params = {"fast": 3, "slow": 12, "short": short}
    cfg = random_config(rng)
    fast = run_backtest(sma_crossover, bars, params, cfg)
    monkeypatch.setattr(engine, "specialised", _general_loop)
    general = run_backtest(sma_crossover, bars, params, cfg)
    assert len(general.trades) > 5
    assert_same_result(fast, general)


def test_the_plan_switches_a_part_off_only_when_the_config_leaves_it_unused():
    plain = BacktestConfig()
    assert plan_for(plain.to_vector()) == Plan(same_close=False, risk=False)
    assert plan_for(BacktestConfig(fill_timing="same_close").to_vector()) == Plan(True, False)
    rules = (
        {"max_daily_loss": 0.1},
        {"max_drawdown": 0.1},
        {"max_consecutive_losses": 3},
        {"max_volatility": 0.5},
        {"max_exposure": 1},
    )
    for rule in rules:  # any one risk rule compiles them all in
        assert plan_for(BacktestConfig(risk=rule).to_vector()) == Plan(False, True), rule
    full = BacktestConfig(fill_timing="same_close", risk={"max_volatility": 0.5})
    assert plan_for(full.to_vector()) == FULL_PLAN


def test_one_compiled_loop_per_strategy_and_plan():
    plan, decide = plan_for(BacktestConfig().to_vector()), sma_crossover.decide
    assert specialised(decide, plan) is specialised(decide, plan)
    assert specialised(decide, plan) is not specialised(decide, FULL_PLAN)
