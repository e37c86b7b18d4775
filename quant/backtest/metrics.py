"""Performance metrics of a backtest, derived from its records (equity, trades, fills, exposure).

Conventions (every number below follows them; ARCHITECTURE.md repeats them):

* Returns are **simple** per-bar returns of the equity curve, ``r_t = E_t / E_{t-1} - 1``
  (bars whose previous equity is not positive are dropped). There are ``n_bars - 1`` returns.
* Annualisation uses ``periods_per_year`` (default 252 trading days), not wall-clock time:
  annualised return is the geometric rate ``(E_last / E_first) ** (ppy / n_returns) - 1``
  (``-1`` when the final equity is not positive), volatility is ``std(r, ddof=1) * √ppy``.
* Sharpe = ``mean(r) / std(r, ddof=1) * √ppy`` with a zero risk-free rate. Sortino =
  ``mean(r) / DD * √ppy`` with downside deviation ``DD = sqrt(mean(min(r, 0)²))`` over all
  returns (target 0, ddof 0). Calmar = annualised return / max drawdown.
* Max drawdown is a positive fraction of the running peak (0.25 = equity 25 % below its
  peak). Its duration runs from the peak before the deepest trough to the first bar that
  regains that peak, or to the last bar if it never does (``max_drawdown_recovered``);
  given in bars and in days of the ``ts`` clock (int64 ns UTC).
* Trade statistics use ``trades['pnl']`` (net of fees and slippage): a win has pnl > 0, a
  loss pnl < 0; profit factor = gross profit / gross loss, ``inf`` when there are wins and
  no losses. Averages are in account currency; ``avg_loss`` is negative. A trade still open
  at the last bar (``exit_bar == -1``) counts with its marked-to-market pnl.
* Exposure: mean of the per-bar gross exposure (position value / equity) and the fraction of
  bars with non-zero exposure. Turnover: traded notional ``Σ qty·price`` over the mean equity
  (whole period; ``turnover_annual`` scales it by ``ppy / n_returns``).
* ``slippage`` sums the fills' slippage cost; ``n_clamped_fills`` counts fills whose
  slipped price the opt-in ``clamp_slippage_to_bar`` pulled back into the bar (0 when off).
* VaR and expected shortfall at 95 % are positive loss fractions of one bar. With at least
  ``VAR_MIN_SAMPLE`` returns they are historical: sort the returns, ``k = ceil(0.05·n)``,
  VaR = ``-r_(k)`` (the k-th worst), ES = ``-mean(r_(1..k))``. With fewer returns (but at
  least two) the explicit fallback is parametric Gaussian: VaR = ``-(μ + σ·z₀.₀₅)``,
  ES = ``-(μ - σ·φ(z₀.₀₅)/0.05)`` (σ with ddof=1); ``var_method`` says which was used
  (``"historical"``, ``"parametric_normal"``, or ``"insufficient"`` with both None).
* A ratio whose denominator is zero (flat equity, no losses, no drawdown) is None, except
  profit factor as above. None means "undefined", never "zero".
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from quant.errors import QuantError

#: Fewest returns for historical VaR/ES; below it the parametric Gaussian fallback is used.
VAR_MIN_SAMPLE = 100
#: Tail probability of VaR and ES (95 % confidence).
VAR_TAIL = 0.05
_NS_PER_DAY = 86_400 * 10**9

VarMethod = Literal["historical", "parametric_normal", "insufficient"]


class MetricsError(QuantError):
    """The records handed to ``compute_metrics`` are inconsistent (lengths, NaN, empty)."""


class Metrics(BaseModel):
    """Summary statistics of one backtest (see the module docstring for every convention)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_bars: int
    periods_per_year: float
    start_equity: float
    end_equity: float
    total_return: float
    annual_return: float
    volatility: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    max_drawdown: float
    max_drawdown_bars: int
    max_drawdown_days: float
    max_drawdown_recovered: bool
    n_trades: int
    win_rate: float | None
    profit_factor: float | None
    avg_win: float | None
    avg_loss: float | None
    exposure: float
    time_in_market: float
    turnover: float
    turnover_annual: float
    n_fills: int
    fees: float
    slippage: float
    n_clamped_fills: int = 0  # fills whose slippage the opt-in bar clamp reduced
    var_95: float | None
    es_95: float | None
    var_method: VarMethod

    def to_dict(self, json_safe: bool = False) -> dict[str, Any]:
        """Plain dict; ``json_safe`` turns non-finite floats into the strings 'inf'/'-inf'/'nan'."""
        out = self.model_dump()
        if json_safe:
            out = {k: _json_safe(v) for k, v in out.items()}
        return out

    def to_markdown(self) -> str:
        """Two-column markdown table (metric | value), one row per field."""
        lines = ["| metric | value |", "|---|---|"]
        lines += [f"| {k} | {_fmt(v)} |" for k, v in self.model_dump().items()]
        return "\n".join(lines)


def _json_safe(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def _fmt(v: Any) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def compute_metrics(
    equity: np.ndarray,
    ts: np.ndarray,
    trades: np.ndarray,
    fills: np.ndarray,
    exposure: np.ndarray,
    periods_per_year: float = 252.0,
    n_clamped_fills: int = 0,
) -> Metrics:
    """Metrics of one backtest from its records (equity in currency, ts int64 ns UTC).

    ``n_clamped_fills`` is passed through from the simulator (it is not in the records).
    """
    eq, t, ex = _check_inputs(equity, ts, exposure, periods_per_year)
    rets = _simple_returns(eq)
    n_ret = max(len(eq) - 1, 0)
    total = float(eq[-1] / eq[0] - 1.0)
    annual = _annual_return(eq[-1] / eq[0], n_ret, periods_per_year)
    vol, sharpe, sortino = _risk_ratios(rets, periods_per_year)
    dd, dd_bars, dd_days, recovered = _max_drawdown(eq, t)
    notional = float(np.sum(fills["qty"] * fills["price"])) if len(fills) else 0.0
    turnover = notional / float(np.mean(eq))
    var, es, method = value_at_risk(rets)
    return Metrics(
        n_bars=len(eq),
        periods_per_year=float(periods_per_year),
        start_equity=float(eq[0]),
        end_equity=float(eq[-1]),
        total_return=total,
        annual_return=annual,
        volatility=vol,
        sharpe=sharpe,
        sortino=sortino,
        calmar=annual / dd if dd > 0 else None,
        max_drawdown=dd,
        max_drawdown_bars=dd_bars,
        max_drawdown_days=dd_days,
        max_drawdown_recovered=recovered,
        **_trade_stats(trades["pnl"] if len(trades) else np.empty(0)),
        exposure=float(np.mean(ex)),
        time_in_market=float(np.mean(ex != 0.0)),
        turnover=turnover,
        turnover_annual=turnover * periods_per_year / n_ret if n_ret else 0.0,
        n_fills=len(fills),
        fees=float(np.sum(fills["fee"])) if len(fills) else 0.0,
        slippage=float(np.sum(fills["slippage"])) if len(fills) else 0.0,
        n_clamped_fills=int(n_clamped_fills),
        var_95=var,
        es_95=es,
        var_method=method,
    )


def _check_inputs(
    equity: np.ndarray, ts: np.ndarray, exposure: np.ndarray, ppy: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    eq = np.asarray(equity, dtype=np.float64)
    t = np.asarray(ts, dtype=np.int64)
    ex = np.asarray(exposure, dtype=np.float64)
    if eq.ndim != 1 or len(eq) == 0:
        raise MetricsError(f"equity must be a non-empty 1-D array, got shape {eq.shape}")
    if len(t) != len(eq) or len(ex) != len(eq):
        raise MetricsError(
            f"equity, ts and exposure must have equal lengths, got {len(eq)}, {len(t)}, {len(ex)}"
        )
    if not np.all(np.isfinite(eq)) or not np.all(np.isfinite(ex)):
        raise MetricsError("equity and exposure must be finite at every bar")
    if eq[0] <= 0:
        raise MetricsError(f"starting equity must be positive, got {eq[0]}")
    if not ppy > 0:
        raise MetricsError(f"periods_per_year must be positive, got {ppy}")
    return eq, t, ex


def _simple_returns(eq: np.ndarray) -> np.ndarray:
    prev, cur = eq[:-1], eq[1:]
    ok = prev > 0
    return cur[ok] / prev[ok] - 1.0


def _annual_return(growth: float, n_ret: int, ppy: float) -> float:
    if n_ret == 0:
        return 0.0
    if growth <= 0:
        return -1.0
    return float(growth ** (ppy / n_ret) - 1.0)


def _risk_ratios(rets: np.ndarray, ppy: float) -> tuple[float | None, float | None, float | None]:
    """Annualised volatility, Sharpe and Sortino (None where undefined)."""
    if len(rets) < 2:
        return None, None, None
    sd = float(np.std(rets, ddof=1))
    mean = float(np.mean(rets))
    root = math.sqrt(ppy)
    sharpe = mean / sd * root if sd > 0 else None
    downside = math.sqrt(float(np.mean(np.minimum(rets, 0.0) ** 2)))
    sortino = mean / downside * root if downside > 0 else None
    return sd * root, sharpe, sortino


def _max_drawdown(eq: np.ndarray, ts: np.ndarray) -> tuple[float, int, float, bool]:
    """Deepest drawdown (positive fraction), its duration in bars and days, and recovery."""
    peak = np.maximum.accumulate(eq)
    dd = 1.0 - eq / peak
    trough = int(np.argmax(dd))
    depth = float(dd[trough])
    if depth <= 0:
        return 0.0, 0, 0.0, True
    start = int(np.flatnonzero(eq[: trough + 1] == peak[trough])[-1])
    after = np.flatnonzero(eq[trough:] >= peak[trough])
    recovered = len(after) > 0
    end = trough + int(after[0]) if recovered else len(eq) - 1
    days = float(ts[end] - ts[start]) / _NS_PER_DAY
    return depth, end - start, days, recovered


def _trade_stats(pnl: np.ndarray) -> dict[str, Any]:
    pnl = np.asarray(pnl, dtype=np.float64)
    n = len(pnl)
    wins, losses = pnl[pnl > 0], pnl[pnl < 0]
    gross_win, gross_loss = float(np.sum(wins)), float(-np.sum(losses))
    if gross_loss > 0:
        pf: float | None = gross_win / gross_loss
    elif gross_win > 0:
        pf = math.inf
    else:
        pf = None
    return {
        "n_trades": n,
        "win_rate": len(wins) / n if n else None,
        "profit_factor": pf,
        "avg_win": float(np.mean(wins)) if len(wins) else None,
        "avg_loss": float(np.mean(losses)) if len(losses) else None,
    }


def value_at_risk(
    rets: np.ndarray, tail: float = VAR_TAIL, min_sample: int = VAR_MIN_SAMPLE
) -> tuple[float | None, float | None, VarMethod]:
    """One-bar VaR and ES as positive loss fractions, with the method used (module docstring)."""
    r = np.asarray(rets, dtype=np.float64)
    n = len(r)
    if n >= min_sample:
        k = max(1, math.ceil(round(tail * n, 9)))
        worst = np.sort(r)[:k]
        return 0.0 - float(worst[-1]), 0.0 - float(np.mean(worst)), "historical"
    if n >= 2:
        mu, sd = float(np.mean(r)), float(np.std(r, ddof=1))
        z = NormalDist().inv_cdf(tail)
        var = 0.0 - (mu + sd * z)
        es = 0.0 - (mu - sd * NormalDist().pdf(z) / tail)
        return var, es, "parametric_normal"
    return None, None, "insufficient"
