import math

import numpy as np
import pytest

from quant.backtest.metrics import MetricsError, compute_metrics, value_at_risk
from tests.backtest.records_fixture import daily_ts, fills_of, trades_with_pnl

EMPTY_TRADES = trades_with_pnl([])
EMPTY_FILLS = fills_of([])


def _scenario():
    # equity 100 -> 110 -> 99 -> 99 -> 121; returns +0.1, -0.1, 0, +22/99
    equity = np.array([100.0, 110.0, 99.0, 99.0, 121.0])
    trades = trades_with_pnl([10.0, -5.0, 20.0, -5.0])
    fills = fills_of([(2.0, 50.0, 1.0, 0.2), (1.0, 100.0, 0.5, 0.1)])
    exposure = np.array([0.0, 1.0, 1.0, 0.5, 0.0])
    return compute_metrics(equity, daily_ts(5), trades, fills, exposure, periods_per_year=4.0)


def test_returns_and_ratios_match_hand_computation():
    m = _scenario()
    # total 121/100 - 1; 4 returns with ppy 4 -> one year -> annual == total
    assert m.total_return == pytest.approx(0.21)
    assert m.annual_return == pytest.approx(0.21)
    # mean r = (0.1 - 0.1 + 0 + 0.2222..)/4 = 0.0555..; squared deviations sum 0.0570370 / 3
    # -> std 0.1378853; vol = std * sqrt(4); sharpe = mean / std * 2
    assert m.volatility == pytest.approx(0.2757705, rel=1e-6)
    assert m.sharpe == pytest.approx(0.8058230, rel=1e-6)
    # downside deviation sqrt(0.1**2 / 4) = 0.05 -> sortino 0.0555../0.05*2
    assert m.sortino == pytest.approx(2.2222222, rel=1e-6)
    # peak 110 -> trough 99: 10 % drawdown, peak at bar 1, regained at bar 4
    assert m.max_drawdown == pytest.approx(0.1)
    assert (m.max_drawdown_bars, m.max_drawdown_days, m.max_drawdown_recovered) == (3, 3.0, True)
    assert m.calmar == pytest.approx(2.1)


def test_trade_exposure_and_cost_stats_match_hand_computation():
    m = _scenario()
    assert (m.n_trades, m.win_rate, m.profit_factor) == (4, 0.5, 3.0)  # 30 / 10
    assert (m.avg_win, m.avg_loss) == (15.0, -5.0)
    assert (m.exposure, m.time_in_market) == (0.5, 0.6)
    # notional 2*50 + 1*100 = 200 over mean equity 105.8
    assert m.turnover == pytest.approx(200 / 105.8)
    assert m.turnover_annual == pytest.approx(200 / 105.8)
    assert (m.n_fills, m.fees, m.slippage) == (2, 1.5, pytest.approx(0.3))


def test_short_sample_uses_documented_parametric_var_fallback():
    m = _scenario()
    # 4 returns < 100: VaR = -(mu + sd*z), z = -1.6448536; ES = -(mu - sd*phi(z)/0.05)
    assert m.var_method == "parametric_normal"
    assert m.var_95 == pytest.approx(-(0.0555556 - 0.1378853 * 1.6448536), rel=1e-5)
    assert m.es_95 == pytest.approx(-(0.0555556 - 0.1378853 * 0.1031356 / 0.05), rel=1e-5)


def test_historical_var_and_es_use_the_k_worst_returns():
    rets = np.arange(100) / 1000 - 0.01  # -0.010, -0.009, ..., 0.089
    var, es, method = value_at_risk(rets)
    # k = ceil(0.05 * 100) = 5 worst: -0.010..-0.006
    assert method == "historical"
    assert var == pytest.approx(0.006)
    assert es == pytest.approx(0.008)


def test_compute_metrics_switches_to_historical_var_at_min_sample():
    rets = np.arange(100) / 1000 - 0.01
    equity = 100.0 * np.concatenate([[1.0], np.cumprod(1 + rets)])
    m = compute_metrics(equity, daily_ts(101), EMPTY_TRADES, EMPTY_FILLS, np.zeros(101))
    assert m.var_method == "historical"
    assert m.var_95 == pytest.approx(0.006)
    assert m.es_95 == pytest.approx(0.008)


def test_flat_equity_and_no_trades_give_undefined_ratios_not_zero():
    m = compute_metrics(np.full(10, 1e4), daily_ts(10), EMPTY_TRADES, EMPTY_FILLS, np.zeros(10))
    assert (m.total_return, m.annual_return, m.volatility) == (0.0, 0.0, 0.0)
    assert (m.sharpe, m.sortino, m.calmar) == (None, None, None)
    assert (m.max_drawdown, m.max_drawdown_bars) == (0.0, 0)
    assert (m.n_trades, m.win_rate, m.profit_factor, m.avg_win, m.avg_loss) == (
        0, None, None, None, None,
    )  # fmt: skip
    assert (m.turnover, m.exposure, m.var_95, m.es_95) == (0.0, 0.0, 0.0, 0.0)
    assert "| sharpe | n/a |" in m.to_markdown()


def test_all_winning_trades_give_infinite_profit_factor_and_json_safe_dict():
    equity = np.array([100.0, 101.0, 102.0])
    m = compute_metrics(equity, daily_ts(3), trades_with_pnl([1.0, 1.0]), EMPTY_FILLS, np.ones(3))
    assert m.profit_factor == math.inf
    assert m.avg_loss is None and m.win_rate == 1.0
    assert m.to_dict()["profit_factor"] == math.inf
    assert m.to_dict(json_safe=True)["profit_factor"] == "inf"
    assert m.sortino is None  # no negative return: downside deviation is zero


def test_unrecovered_drawdown_runs_to_the_last_bar():
    equity = np.array([100.0, 120.0, 90.0, 100.0])
    m = compute_metrics(equity, daily_ts(4), EMPTY_TRADES, EMPTY_FILLS, np.zeros(4))
    assert m.max_drawdown == pytest.approx(0.25)
    assert (m.max_drawdown_bars, m.max_drawdown_days, m.max_drawdown_recovered) == (2, 2.0, False)


def test_total_loss_gives_minus_one_annual_return():
    m = compute_metrics(
        np.array([100.0, 50.0, 0.0]), daily_ts(3), EMPTY_TRADES, EMPTY_FILLS, np.zeros(3)
    )
    assert (m.total_return, m.annual_return, m.max_drawdown) == (-1.0, -1.0, 1.0)


def test_single_bar_has_insufficient_sample():
    m = compute_metrics(np.array([5.0]), daily_ts(1), EMPTY_TRADES, EMPTY_FILLS, np.zeros(1))
    assert (m.total_return, m.sharpe, m.var_95, m.var_method) == (0.0, None, None, "insufficient")


@pytest.mark.parametrize(
    ("equity", "n_ts", "msg"),
    [
        (np.array([]), 0, "non-empty"),
        (np.array([1.0, 2.0]), 3, "equal lengths"),
        (np.array([1.0, np.nan]), 2, "finite"),
        (np.array([0.0, 1.0]), 2, "positive"),
    ],
)
def test_bad_records_raise_metrics_error(equity, n_ts, msg):
    with pytest.raises(MetricsError, match=msg):
        compute_metrics(equity, daily_ts(n_ts), EMPTY_TRADES, EMPTY_FILLS, np.zeros(len(equity)))
