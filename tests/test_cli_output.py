"""Human formatting of CLI tables and key/value output; JSON stays exact."""

import json

from quant.cli_output import format_number, format_table, to_json


def test_numbers_get_separators_and_fixed_decimals_by_kind():
    assert format_number(1234567) == "1,234,567"
    assert format_number(1234567.891) == "1,234,567.89"
    assert format_number(0.123456, "total_return") == "12.35%"
    assert format_number(-0.5, "max_drawdown") == "-50.00%"
    assert format_number(1.23456, "sharpe") == "1.235"
    assert format_number(12.5) == "12.5"
    assert format_number(float("nan"), "sharpe") == "nan"
    assert format_number(float("-inf")) == "-inf"


def test_ids_and_versions_keep_their_digits():
    assert format_number(12345, "version") == "12345"
    assert format_number(20240101, "seed") == "20240101"
    assert format_number(1500, "optimizations_version") == "1500"


def test_table_right_aligns_number_columns_and_left_aligns_text():
    rows = [{"name": "a", "rows": 5, "sharpe": 1.0}, {"name": "bbb", "rows": 12000, "sharpe": None}]
    lines = format_table(rows).splitlines()
    assert lines[0].split() == ["name", "rows", "sharpe"]
    assert lines[2] == "a          5   1.000"
    assert lines[3] == "bbb   12,000"


def test_json_keeps_raw_values():
    assert json.loads(to_json({"total_return": 0.123456, "rows": 12000})) == {
        "rows": 12000,
        "total_return": 0.123456,
    }
