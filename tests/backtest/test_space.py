import pytest

from quant.backtest.space import ParamSpaceError, build_space, parse_grid_spec
from tests.backtest.toy_strategy import ToyParams


def test_int_grid_spec_includes_stop_on_step():
    assert parse_grid_spec(ToyParams, "fast=2:10:4").values == (2, 6, 10)


def test_float_grid_spec_is_free_of_accumulated_rounding():
    assert parse_grid_spec(ToyParams, "scale=0.1:0.7:0.3").values == (0.1, 0.4, 0.7)


@pytest.mark.parametrize(
    ("spec", "msg"),
    [
        ("fast=0:10:1", "outside"),
        ("slow=2:61:1", "outside"),
        ("scale=0:1:0.5", "outside"),
        ("fast=1:5:0.5", "integer"),
        ("nope=1:2:1", "no parameter 'nope'"),
        ("fast=1-5", "start:stop:step"),
        ("fast=5:1:1", "stop >= start"),
        ("fast=a:5:1", "not a number"),
    ],
)
def test_bad_grid_specs_raise_param_space_error(spec, msg):
    with pytest.raises(ParamSpaceError, match=msg):
        parse_grid_spec(ToyParams, spec)


def test_space_grid_is_lexicographic_and_validates_cross_field_rules():
    space = build_space(ToyParams, ["fast=2:4:2", "slow=3:4:1"])
    combos = list(space.grid())
    assert combos == [
        {"fast": 2, "slow": 3},
        {"fast": 2, "slow": 4},
        {"fast": 4, "slow": 3},
        {"fast": 4, "slow": 4},
    ]
    assert [space.validate(c) is not None for c in combos] == [True, True, False, False]


def test_space_from_bounds_spans_every_bounded_field():
    space = build_space(ToyParams, ["fast=1:3:1"], from_bounds=True)
    assert space.names == ("fast", "slow", "scale")
    assert space.dims[1].values == tuple(range(2, 61))
    assert space.dims[2].values[0] > 0.0 and space.dims[2].values[-1] == 2.0  # (0, 2]


def test_duplicate_parameter_is_rejected():
    with pytest.raises(ParamSpaceError, match="twice"):
        build_space(ToyParams, ["fast=1:2:1", "fast=3:4:1"])


def test_fixed_params_are_validated_per_field_and_applied_to_every_candidate():
    space = build_space(ToyParams, ["fast=1:2:1"], fixed={"slow": "30", "scale": 0.5})
    assert list(space.grid()) == [
        {"scale": 0.5, "slow": 30, "fast": 1},
        {"scale": 0.5, "slow": 30, "fast": 2},
    ]


def test_genetic_space_does_not_search_fixed_params():
    space = build_space(ToyParams, from_bounds=True, fixed={"slow": 30})
    assert space.names == ("fast", "scale")


@pytest.mark.parametrize(
    ("fixed", "msg"),
    [({"slow": 1}, "greater than or equal to 2"), ({"fast": 3}, "both searched"),
     ({"nope": 1}, "no parameter")],
)  # fmt: skip
def test_bad_fixed_params_raise_param_space_error(fixed, msg):
    with pytest.raises(ParamSpaceError, match=msg):
        build_space(ToyParams, ["fast=1:2:1"], fixed=fixed)
