"""Resolving strategies: "no such strategy" and "the strategy failed to import" stay apart."""

import pytest

import strategies
from quant.backtest.runner import resolve_strategy
from quant.backtest.strategy import StrategyImportError, UnknownStrategyError, resolve


@pytest.mark.parametrize("find", [resolve, resolve_strategy])
def test_a_missing_dependency_inside_a_strategy_module_keeps_its_cause(find):
    with pytest.raises(StrategyImportError, match="quant_no_such_dependency") as info:
        find("tests.backtest.broken_strategy")
    assert "failed to import" in str(info.value)
    cause = info.value.__cause__
    assert isinstance(cause, ModuleNotFoundError) and cause.name == "quant_no_such_dependency"


@pytest.mark.parametrize("find", [resolve, resolve_strategy])
def test_a_dotted_path_that_does_not_exist_is_an_unknown_strategy(find):
    with pytest.raises(UnknownStrategyError, match="no strategy module") as info:
        find("tests.backtest.no_such_strategy")
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_a_registered_strategy_that_fails_to_import_is_not_called_unknown(monkeypatch):
    monkeypatch.setitem(strategies.REGISTRY, "broken", "tests.backtest.broken_strategy")
    with pytest.raises(StrategyImportError, match="'broken' failed to import") as info:
        resolve("broken")
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_an_unregistered_name_lists_the_available_strategies():
    with pytest.raises(UnknownStrategyError, match=r"available: .*rsi_mean_reversion"):
        resolve("nope")
