"""Every research figure builds and carries its named traces; HTML export needs no network."""

from __future__ import annotations

import numpy as np

import quant.research as qr
from quant.research import figures


def names(fig):
    return [t.name for t in fig.data]


def test_backtest_price_equity_and_compare_figures_have_their_traces(lake):
    bt = qr.backtest("sma_crossover", "bars_1d", {"fast": 10, "slow": 50}, symbols="SPX")
    assert names(bt.plot()) == ["close", "entry", "exit", "equity", "drawdown"]
    entries = bt.plot().data[1]
    assert len(entries.x) == bt.trades.height > 0
    assert names(figures.price_figure(bt.bars, bt.trades)) == ["close", "entry", "exit"]
    assert names(figures.equity_figure(bt.equity)) == ["equity", "drawdown"]
    other = qr.backtest("sma_crossover", "bars_1d", {"fast": 20, "slow": 50}, symbols="SPX")
    assert names(qr.compare({"a": bt, "b": other}).plot()) == ["a", "b"]


def test_heatmap_and_walk_forward_figures_have_their_traces(lake):
    opt = qr.optimize("sma_crossover", "SPX", {"fast": "5:15:5", "slow": "30:50:10"})
    heat = opt.heatmap()
    assert names(heat) == ["sharpe"] and np.asarray(heat.data[0].z).shape == (3, 3)
    wf = qr.walk_forward("sma_crossover", "SPX", {"fast": "5:10:5", "slow": "30:40:10"},
                         train=1500, test=1000)  # fmt: skip
    fig = wf.plot()
    assert names(fig) == ["train", "test", "out-of-sample equity"]
    assert len(fig.data[2].y) == len(fig.data[2].x)


def test_anomaly_sharpe_and_live_figures_have_their_traces(lake):
    flags = qr.models.anomalies("SPX")
    assert names(figures.anomaly_figure(flags)) == [
        "band_hi", "band", "close", "kalman flag", "z-score flag"]  # fmt: skip
    draws = np.random.default_rng(0).normal(0.5, 0.2, 400)
    summary = {"ci94_low": 0.1, "ci94_high": 0.9, "sample_sharpe": 0.4, "p_sharpe_gt_0": 0.99}
    post = qr.models.SharpePosterior(summary, draws)
    assert names(post.plot()) == ["posterior"]
    bt = qr.backtest("sma_crossover", "bars_1d", symbols="SPX", start="2017-01-01")
    rp = qr.live.replay("sma_crossover", "bars_1d", symbols="SPX", start="2017-01-01")
    assert names(rp.plot(bt)) == ["live P&L", "backtest P&L", "live - backtest"]
    assert max(abs(v) for v in rp.plot(bt).data[2].y) == 0.0


def test_html_export_inlines_plotly_or_writes_it_next_to_the_file(tmp_path, lake):
    bt = qr.backtest("sma_crossover", "bars_1d", symbols="SPX", start="2017-01-01")
    page = figures.to_html(bt.plot())
    assert '<script src="http' not in page and len(page) > 1_000_000  # plotly.js inlined
    out = figures.write_html(bt.plot(), tmp_path / "figs" / "bt.html")
    assert (tmp_path / "figs" / "plotly.min.js").is_file()
    assert 'src="plotly.min.js"' in out.read_text()
