import numpy as np
import pytest

from quant.backtest.lookahead import LookaheadError, check_lookahead, default_prefixes

PRICES = 100 + np.cumsum(np.random.default_rng(0).normal(0, 1, 300))


def causal_decisions(n: int) -> np.ndarray:
    """Long when the close is above its trailing 20-bar mean (NaN during warm-up)."""
    close = PRICES[:n]
    out = np.full(n, np.nan)
    for t in range(19, n):
        out[t] = 1.0 if close[t] > close[t - 19 : t + 1].mean() else 0.0
    return out


def leaky_decisions(n: int) -> np.ndarray:
    """Normalises by the max of the whole history it is given: a lookahead bug."""
    close = PRICES[:n]
    return (close / close.max() > 0.9).astype(float)


def test_causal_decisions_pass():
    report = check_lookahead(causal_decisions, len(PRICES))
    assert report.ok and report.first_bar is None
    assert report.prefixes[0] == 2 and report.prefixes[-1] == len(PRICES) - 1


def test_full_history_normalisation_is_flagged_at_its_first_changed_bar():
    report = check_lookahead(leaky_decisions, len(PRICES))
    assert not report.ok
    # the earliest bar whose decision differs over any tested prefix, found by brute force
    full = leaky_decisions(len(PRICES))
    expected = min(
        int(np.flatnonzero(leaky_decisions(p) != full[:p])[0])
        for p in report.prefixes
        if (leaky_decisions(p) != full[:p]).any()
    )
    assert report.first_bar == expected
    assert report.full_value != report.truncated_value
    assert report.to_dict()["first_bar"] == expected


def test_multi_symbol_leak_names_the_symbol_column():
    def decisions(n):
        return np.column_stack([causal_decisions(n), leaky_decisions(n)])

    report = check_lookahead(decisions, len(PRICES))
    assert not report.ok and report.symbol == 1


def test_wrong_decision_length_is_reported():
    with pytest.raises(LookaheadError, match="expected 10 decision rows"):
        check_lookahead(lambda n: np.zeros(n + 1), 10)


def test_too_short_history_is_rejected():
    with pytest.raises(LookaheadError, match="at least 3 bars"):
        default_prefixes(2)
