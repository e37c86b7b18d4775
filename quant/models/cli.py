"""``quant models``: list, show and fit the model datasets; Sharpe posterior; anomaly flags.

Heavy modules (statsmodels, PyMC, the store, numba kernels) are imported inside the commands
so ``quant --help`` stays fast.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from quant.cli_output import JsonOpt, emit
from quant.errors import QuantError

models_app = typer.Typer(
    help="Model datasets (hedge ratios, spread AR), Sharpe posteriors, anomalies.",
    no_args_is_help=True,
)

#: Model datasets `list` and `show` know about.
MODEL_DATASETS = ("pairs_1d", "spread_ar", "bar_anomalies")


class UnknownModelError(QuantError):
    """The name is not a model dataset, or it has not been built in this lake."""


def _store(ctx: typer.Context) -> Any:
    from quant.data.cli import open_store

    return open_store(ctx)


def _provenance(info: Any) -> dict[str, Any]:
    return {
        "dataset": info.name,
        "version": info.version,
        "rows": info.rows_total,
        "lineage": json.dumps(dict(info.lineage), sort_keys=True),
        "code_version": info.code_version,
        "model": info.extra.get("model", ""),
        "seed": info.extra.get("seed", ""),
        "params": info.extra.get("params", ""),
        "committed": info.timestamp.isoformat(),
    }


@models_app.command("list")
def list_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Model datasets in the lake with their latest version, lineage, code version and seed."""
    store = _store(ctx)
    rows = [_provenance(store.version_info(n)) for n in MODEL_DATASETS if store.exists(n)]
    emit(rows, as_json)


@models_app.command("show")
def show_cmd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=f"One of {', '.join(MODEL_DATASETS)}.")],
    version: Annotated[int | None, typer.Option("--version", help="Dataset version.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A model dataset's provenance and its latest parameters per symbol."""
    import polars as pl

    store = _store(ctx)
    if name not in MODEL_DATASETS or not store.exists(name):
        raise UnknownModelError(f"no model dataset {name!r} in this lake; try `quant models list`")
    v = store.resolve(name, version=version)
    df = store.read(name, version=v)
    if name == "pairs_1d":
        cols = ["symbol", "pair", "ts", "close", "x_close", "hedge_alpha", "hedge_beta",
                "hedge_resid_sd"]  # fmt: skip
        params = df.sort("ts").group_by("symbol").agg(pl.all().last()).select(cols)
    elif name == "spread_ar":
        params = df
    else:
        params = df.group_by("symbol").agg(
            pl.len().alias("bars"), pl.col("flag").sum().alias("flags")
        )
    out = {"provenance": _provenance(store.version_info(name, v)),
           "parameters": params.sort("symbol").to_dicts()}  # fmt: skip
    if as_json:
        emit(out, True)
        return
    emit(out["provenance"], False)
    typer.echo("")
    emit(out["parameters"], False)


@models_app.command("fit")
def fit_cmd(
    ctx: typer.Context,
    first: Annotated[str, typer.Argument(help="First leg (traded) symbol in bars_1d.")],
    second: Annotated[str, typer.Argument(help="Second leg symbol in bars_1d.")],
    window: Annotated[int, typer.Option("--window", help="Rolling OLS window, bars.")] = 60,
    train_fraction: Annotated[
        float, typer.Option("--train-fraction", help="Share of bars the AR(1) trains on.")
    ] = 0.7,
    seed: Annotated[int, typer.Option("--seed", help="Seed recorded with the fit.")] = 0,
    bars_version: Annotated[
        int | None, typer.Option("--bars-version", help="bars_1d version (default latest).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit the pair's rolling hedge ratio (pairs_1d) and its spread AR(1) (spread_ar)."""
    from quant.models.pairs_data import fit_ar, fit_pair, read_ar

    store = _store(ctx)
    p = fit_pair(store, first, second, window=window, seed=seed, source_version=bars_version)
    a = fit_ar(store, first, train_fraction=train_fraction, seed=seed)
    ar = read_ar(store, first)
    out = {
        "pair": f"{first}~{second}",
        "pairs_1d_version": p.version,
        "pairs_lineage": json.dumps(dict(p.lineage)),
        "spread_ar_version": a.version,
        "phi": ar["phi"],
        "half_life_bars": ar["half_life"],
        "sigma2": ar["sigma2"],
        "seed": seed,
        "code_version": p.code_version,
    }
    emit(out, as_json)


@models_app.command("sharpe")
def sharpe_cmd(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="STRATEGY:SYMBOLS of a stored backtest.")],
    version: Annotated[
        int | None, typer.Option("--version", help="backtests dataset version.")
    ] = None,
    draws: Annotated[
        int, typer.Option("--draws", min=50, help="Posterior draws per chain.")
    ] = 1000,
    tune: Annotated[int, typer.Option("--tune", min=50, help="Tuning steps per chain.")] = 1000,
    chains: Annotated[int, typer.Option("--chains", min=1, max=8, help="MCMC chains.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Sampler seed.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Posterior of a stored backtest's annualised Sharpe ratio (Student-t returns, PyMC)."""
    from quant.cli_context import settings
    from quant.models.sharpe import (
        SharpeSettings,
        returns_from_equity,
        save_trace,
        sharpe_posterior,
        stored_equity,
    )

    store = _store(ctx)
    equity, info = stored_equity(store, run_id, version)
    bar = not as_json and sys.stdout.isatty()  # PyMC draws its bar on stdout
    summary, idata = sharpe_posterior(
        returns_from_equity(equity), SharpeSettings(draws, tune, chains, seed, progressbar=bar)
    )
    trace = save_trace(settings(ctx).lake, run_id, summary, idata)
    emit(info | summary | {"trace": str(trace)}, as_json)


@models_app.command("anomalies")
def anomalies_cmd(
    ctx: typer.Context,
    symbol: Annotated[str, typer.Argument(help="Symbol in the bars dataset.")],
    dataset: Annotated[str, typer.Option("--dataset", help="Bars dataset.")] = "bars_1d",
    version: Annotated[int | None, typer.Option("--version", help="Dataset version.")] = None,
    k: Annotated[float, typer.Option("--k", help="Band half-width, predicted std.")] = 4.0,
    no_overrides: Annotated[
        bool, typer.Option("--no-overrides", help="Ignore the known market events list.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Kalman anomaly flags of one symbol's closes, with confidence and explanation."""
    import polars as pl

    from quant.models.anomalies import KNOWN_EVENTS, AnomalyInputError, detect

    store = _store(ctx)
    v = store.resolve(dataset, version=version)
    bars = store.scan(dataset, version=v).filter(pl.col("symbol") == symbol).collect()
    if bars.height == 0:
        raise AnomalyInputError(f"{dataset} v{v} has no bars for {symbol}")
    out = detect(bars, events=() if no_overrides else KNOWN_EVENTS, k=k)
    flagged = out.filter(pl.col("flag")).drop("flag")
    if as_json:
        emit({"dataset": dataset, "version": v, "symbol": symbol, "bars": out.height,
              "flags": flagged.to_dicts()}, True)  # fmt: skip
        return
    typer.echo(f"{dataset} v{v} {symbol}: {flagged.height} of {out.height} bars flagged")
    emit(flagged.to_dicts(), False)
