"""Feature spec validation: clear errors for unknown kernels, params, columns and names."""

from __future__ import annotations

import pytest

from quant.features import DAILY_SPECS, FeatureSpec, FeatureSpecError, validate_specs


def test_daily_specs_are_valid_and_outputs_unique() -> None:
    specs = validate_specs(DAILY_SPECS)
    outputs = [o for s in specs for o in s.outputs]
    assert len(outputs) == len(set(outputs)) == 24


def test_specs_accept_plain_dicts_and_fill_default_inputs() -> None:
    [spec] = validate_specs([{"kernel": "atr", "params": {"n": 10}, "outputs": ["atr_10"]}])
    assert spec.columns == ("high", "low", "close")
    assert spec.call_params() == {"n": 10}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"kernel": "smaa", "params": {"n": 3}, "outputs": ["x"]}, "unknown kernel 'smaa'"),
        ({"kernel": "sma", "params": {"m": 3}, "outputs": ["x"]}, "no parameter \\['m'\\]"),
        ({"kernel": "sma", "outputs": ["x"]}, "needs parameter\\(s\\) \\['n'\\]"),
        ({"kernel": "sma", "params": {"n": 0}, "outputs": ["x"]}, "n must be an integer >= 1"),
        ({"kernel": "bbands", "params": {"k": -2}, "outputs": ["u", "m", "l"]}, "k must be"),
        ({"kernel": "macd", "outputs": ["macd"]}, "has 3 output\\(s\\)"),
        ({"kernel": "crossover", "outputs": ["x"]}, "needs inputs for \\['a', 'b'\\]"),
        ({"kernel": "rsi", "inputs": ["close", "open"], "outputs": ["r"]}, "takes 1 input"),
        ({"kernel": "rsi", "outputs": ["RSI-14"]}, "must match"),
        ({"kernel": "rsi", "outputs": ["ts"]}, "reserved"),
        ({"kernel": "rsi", "outputs": ["r"], "colour": "red"}, "Extra inputs"),
    ],
)
def test_invalid_spec_raises_feature_spec_error_naming_the_problem(raw: dict, message: str) -> None:
    with pytest.raises(FeatureSpecError, match=message):
        validate_specs([raw])


def test_duplicate_output_names_are_rejected() -> None:
    spec = FeatureSpec(kernel="sma", params={"n": 5}, outputs=("m",))
    with pytest.raises(FeatureSpecError, match="defined twice"):
        validate_specs([spec, spec])


def test_empty_spec_list_is_rejected() -> None:
    with pytest.raises(FeatureSpecError, match="empty"):
        validate_specs([])


def test_an_output_name_with_a_trailing_newline_is_rejected() -> None:
    with pytest.raises(FeatureSpecError, match="must match"):
        validate_specs([{"kernel": "sma", "params": {"n": 5}, "outputs": ["sma_5\n"]}])
