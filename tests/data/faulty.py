"""A generated Yahoo-layout file with one instance of every row-level fault, and its answer."""

from __future__ import annotations

from pathlib import Path

HEADER = "Date,Open,High,Low,Close,Adj Close,Volume"
# (line text, expected reason fragment or None for a good row); line numbers start at 2.
ROWS: list[tuple[str, str | None]] = [
    ("2020-01-01,10,11,9,10.5,10.5,100", None),
    ("2020-01-02,10,11,9,abc,10.5,100", "unparseable_close"),
    ("2020-01-03,nan,11,9,10.5,10.5,100", "non_finite_price"),
    ("2020-01-06,-1,11,9,10.5,10.5,100", "non_positive_price"),
    ("2020-01-07,10,8,9,8.5,8.5,100", "high_below_low"),
    ("2020-01-08,10,11,9,10.5,10.5,-5", "invalid_volume"),
    ("2020-01-09,10,11,9,10.5,10.5,100", None),
    ("2020-01-09,10,11,9,10.5,10.5,100", "duplicate_key"),
    ("2020-01-05,10,11,9,10.5,10.5,100", "ts_not_increasing"),
    ("2020-01-10,10,11,9", "wrong_column_count"),
    ("2020-01-13,10,11,9,10.5,10.5,100,7", "wrong_column_count"),
    ("2020-13-45,10,11,9,10.5,10.5,100", "unparseable_ts"),
    ("2020-01-14,10,11,9,10.5,10.5,100", None),
    ("", None),  # a blank line: skipped and counted, not a row
    ("2020-01-15,10,11,9,10.5,10.5,100", None),
    ("2020-01-16,10,11,9,1", "truncated_last_line"),  # no newline after it
]


def write_faulty(path: Path) -> Path:
    """Write the faulty file (last line unterminated) and return its path."""
    body = "\n".join([HEADER, *(text for text, _ in ROWS)])
    path.write_text(body)
    return path


def expected() -> tuple[list[int], dict[int, str]]:
    """(lines of the good rows, {line: reason fragment} of the bad rows)."""
    good, bad = [], {}
    for i, (text, reason) in enumerate(ROWS, start=2):
        if reason is not None:
            bad[i] = reason
        elif text:
            good.append(i)
    return good, bad
