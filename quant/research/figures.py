"""Interactive research figures (plotly): one function per picture, each returning a Figure.

The same figures serve the notebooks and the Dagster UI: :func:`write_html` saves one as a
local HTML file (plotly.js copied next to it once, nothing fetched from a CDN) that an asset
links from its materialisation; :func:`to_html` gives a self-contained HTML string.
Trace names are stable (tests and the UI read them): see each function.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

if TYPE_CHECKING:
    from quant.research.backtests import Backtest, Comparison
    from quant.research.search import Optimization

_LAYOUT = {
    "template": "plotly_white",
    "hovermode": "x unified",
    "height": 560,
    "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
}


def price_figure(
    bars: pl.DataFrame, trades: pl.DataFrame | None = None, symbol: str | None = None
) -> go.Figure:
    """Close of one symbol with trade entries (▲) and exits (▼): traces close, entry, exit."""
    fig = go.Figure()
    _price_traces(fig, bars, trades, symbol)
    return fig.update_layout(**_LAYOUT | {"height": 420}, title=f"{_sym(bars, symbol)} close")


def _sym(bars: pl.DataFrame, symbol: str | None) -> str:
    return symbol or sorted(bars["symbol"].unique().to_list())[0]


def _price_traces(
    fig: go.Figure,
    bars: pl.DataFrame,
    trades: pl.DataFrame | None,
    symbol: str | None,
    **where: int,
) -> None:
    sym = _sym(bars, symbol)
    b = bars.filter(pl.col("symbol") == sym).sort("ts")
    fig.add_trace(
        go.Scatter(x=b["ts"], y=b["close"], name="close", mode="lines", line={"width": 1.2}),
        **where,
    )
    t = trades.filter(pl.col("symbol") == sym) if trades is not None else None
    if t is None:
        return
    done = t.filter(pl.col("exit_ts").is_not_null())
    entries = _markers(t["entry_ts"], t["entry_price"], "entry", "triangle-up", "green")
    exits = _markers(done["exit_ts"], done["exit_price"], "exit", "triangle-down", "red")
    fig.add_trace(entries, **where)
    fig.add_trace(exits, **where)


def _markers(x: Any, y: Any, name: str, symbol: str, color: str, size: int = 9) -> go.Scatter:
    """A marker-only trace (entries, exits, flags)."""
    return go.Scatter(
        x=x, y=y, name=name, mode="markers", marker={"symbol": symbol, "size": size, "color": color}
    )


def equity_figure(equity: pl.DataFrame, title: str = "equity") -> go.Figure:
    """Equity over drawdown from a frame with ts, equity, drawdown: traces equity, drawdown."""
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3], vertical_spacing=0.04
    )
    _equity_traces(fig, equity, 1)
    return fig.update_layout(**_LAYOUT, title=title)


def _equity_traces(fig: go.Figure, eq: pl.DataFrame, row: int) -> None:
    fig.add_trace(
        go.Scatter(x=eq["ts"], y=eq["equity"], name="equity", mode="lines"), row=row, col=1
    )
    fig.add_trace(
        go.Scatter(
            x=eq["ts"],
            y=eq["drawdown"],
            name="drawdown",
            mode="lines",
            fill="tozeroy",
            line={"color": "firebrick", "width": 0.8},
        ),
        row=row + 1,
        col=1,
    )
    fig.update_yaxes(tickformat=".0%", row=row + 1, col=1)


def backtest_figure(bt: Backtest) -> go.Figure:
    """Price with entries/exits, equity and drawdown of a backtest, sharing the time axis:
    traces close, entry, exit, equity, drawdown."""
    fig = make_subplots(
        rows=3, cols=1, shared_xaxes=True, row_heights=[0.45, 0.35, 0.2], vertical_spacing=0.03
    )
    _price_traces(fig, bt.bars, bt.trades, None, row=1, col=1)
    _equity_traces(fig, bt.equity, 2)
    r = bt.result
    title = f"{r.strategy} on {', '.join(r.symbols)} " + " ".join(
        f"{k}={v}" for k, v in r.params.items()
    )
    return fig.update_layout(**_LAYOUT | {"height": 700}, title=title)


def compare_figure(cmp: Comparison) -> go.Figure:
    """Equity curves of several backtests overlaid: one trace per run, named by its label."""
    fig = go.Figure()
    for label, bt in zip(cmp.labels, cmp.runs, strict=True):
        eq = bt.equity
        fig.add_trace(go.Scatter(x=eq["ts"], y=eq["equity"], name=label, mode="lines"))
    return fig.update_layout(**_LAYOUT | {"height": 450}, title="equity")


def heatmap_figure(candidates: pl.DataFrame, x: str, y: str, value: str) -> go.Figure:
    """``value`` over a grid of two parameters (best per cell): one trace, ``value``."""
    cell = candidates.group_by(x, y).agg(pl.col(value).max()).sort(y, x)
    xs, ys = sorted(cell[x].unique().to_list()), sorted(cell[y].unique().to_list())
    z = np.full((len(ys), len(xs)), np.nan)
    for row in cell.iter_rows(named=True):
        v = row[value]
        z[ys.index(row[y]), xs.index(row[x])] = np.nan if v is None else v
    fig = go.Figure(
        go.Heatmap(
            x=xs,
            y=ys,
            z=z,
            name=value,
            colorscale="RdYlGn",
            colorbar={"title": value},
            hovertemplate=f"{x}=%{{x}}<br>{y}=%{{y}}<br>{value}=%{{z:.3f}}<extra></extra>",
        )
    )
    return fig.update_layout(
        **_LAYOUT | {"height": 450, "hovermode": "closest"},
        title=f"{value} by {x} and {y}",
        xaxis_title=x,
        yaxis_title=y,
    )


def walk_forward_figure(opt: Optimization) -> go.Figure:
    """Walk-forward windows (train and test spans per window) over the stitched out-of-sample
    equity: traces train, test, out-of-sample equity."""
    from quant.research.search import stitched_equity

    w = opt.windows
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.4, 0.6], vertical_spacing=0.05
    )
    for name, a, b, color in (
        ("train", "train_start", "test_start", "steelblue"),
        ("test", "test_start", "test_end", "darkorange"),
    ):
        xs: list[Any] = []
        ys: list[Any] = []
        for row in w.iter_rows(named=True):
            xs += [row[a], row[b], None]
            ys += [row["window"]] * 2 + [None]
        fig.add_trace(
            go.Scatter(x=xs, y=ys, name=name, mode="lines", line={"width": 8, "color": color}),
            row=1,
            col=1,
        )
    eq = stitched_equity(opt)
    run = opt.run
    first = run.walk.windows[0].window.test_start  # type: ignore[union-attr]
    from quant.research import datasets as lk

    ts = lk.load(
        run.request.dataset,
        run.request.symbol,
        run.request.start,
        run.request.end,
        version=run.bars_version,
    ).sort("ts")["ts"]
    x = ts[first - 1 : first - 1 + len(eq)]
    fig.add_trace(go.Scatter(x=x, y=eq, name="out-of-sample equity", mode="lines"), row=2, col=1)
    fig.update_yaxes(title="window", row=1, col=1)
    return fig.update_layout(**_LAYOUT, title=f"walk-forward {run.request.strategy}")


def anomaly_figure(flags: pl.DataFrame) -> go.Figure:
    """Close with the Kalman band and flagged bars (and z-score flags when present): traces
    close, band, kalman flag, z-score flag."""
    df = flags.sort("ts")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=df["ts"],
            y=df["band_hi"],
            mode="lines",
            line={"width": 0},
            showlegend=False,
            hoverinfo="skip",
            name="band_hi",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=df["ts"],
            y=df["band_lo"],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(100,149,237,0.2)",
            name="band",
        )
    )
    fig.add_trace(
        go.Scatter(x=df["ts"], y=df["close"], name="close", mode="lines", line={"width": 1})
    )
    k = df.filter(pl.col("flag"))
    fig.add_trace(_markers(k["ts"], k["close"], "kalman flag", "x", "red"))
    if "zscore_flag" in df.columns:
        z = df.filter(pl.col("zscore_flag"))
        fig.add_trace(_markers(z["ts"], z["close"], "z-score flag", "circle-open", "orange", 7))
    sym = df["symbol"][0] if df.height else ""
    return fig.update_layout(
        **_LAYOUT | {"height": 450}, title=f"{sym} anomalies", yaxis_type="log"
    )


def sharpe_posterior_figure(draws: np.ndarray, summary: dict[str, Any]) -> go.Figure:
    """Histogram of posterior Sharpe draws, credible interval and sample Sharpe marked:
    one trace, posterior."""
    fig = go.Figure(
        go.Histogram(
            x=np.asarray(draws),
            name="posterior",
            nbinsx=60,
            histnorm="probability density",
            opacity=0.8,
        )
    )
    lo = next((v for k, v in summary.items() if k.endswith("_low")), None)
    hi = next((v for k, v in summary.items() if k.endswith("_high")), None)
    for v, text in ((lo, "CI low"), (hi, "CI high")):
        if v is not None:
            fig.add_vline(x=v, line_dash="dash", line_color="gray", annotation_text=text)
    if summary.get("sample_sharpe") is not None:
        fig.add_vline(x=summary["sample_sharpe"], line_color="black", annotation_text="sample")
    p = summary.get("p_sharpe_gt_0")
    title = "posterior of the annualised Sharpe" + (f" (P > 0 = {p:.2f})" if p is not None else "")
    return fig.update_layout(
        **_LAYOUT | {"height": 400, "hovermode": "closest"},
        title=title,
        xaxis_title="Sharpe",
        showlegend=False,
    )


def live_pnl_figure(live: Backtest, backtest: Backtest | None = None) -> go.Figure:
    """Live P&L (equity minus starting cash), the backtest's too and their difference when
    given: traces live P&L, backtest P&L, live - backtest."""
    rows = 2 if backtest is not None else 1
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.05,
        row_heights=[0.75, 0.25] if rows == 2 else [1.0],
    )
    le = live.equity
    start = float(le["equity"][0])
    fig.add_trace(
        go.Scatter(x=le["ts"], y=le["equity"] - start, name="live P&L", mode="lines"), row=1, col=1
    )
    if backtest is not None:
        be = backtest.equity
        fig.add_trace(
            go.Scatter(
                x=be["ts"],
                y=be["equity"] - start,
                name="backtest P&L",
                mode="lines",
                line={"dash": "dot"},
            ),
            row=1,
            col=1,
        )
        both = le.join(be, on="ts", suffix="_bt")
        fig.add_trace(
            go.Scatter(
                x=both["ts"],
                y=both["equity"] - both["equity_bt"],
                name="live - backtest",
                mode="lines",
            ),
            row=2,
            col=1,
        )
    return fig.update_layout(**_LAYOUT | {"height": 450}, title="live P&L")


def to_html(fig: go.Figure) -> str:
    """A self-contained HTML page of the figure (plotly.js inlined: works offline)."""
    return fig.to_html(include_plotlyjs=True, full_html=True)


def write_html(fig: go.Figure, path: str | Path) -> Path:
    """Save the figure as an HTML file that loads ``plotly.min.js`` from its own folder
    (written there once): small per figure, no network needed to view it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(out, include_plotlyjs="directory", full_html=True)
    return out
