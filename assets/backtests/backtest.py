"""``backtest_<strategy>``: run a registered strategy on one symbol's ``bars_1d`` version."""

import base64

import dagster as dg
import polars as pl
from pydantic import Field

from assets.partitions import symbol_partitions
from assets.store import StoreResource, metrics_table, store_result
from quant.backtest import cli_args
from quant.backtest.config import BacktestConfig
from quant.backtest.engine import run_backtest
from quant.backtest.plot import equity_drawdown_png
from quant.backtest.results import write_backtest
from quant.backtest.strategy import available, resolve, validate_params
from quant.research import figures
from quant.research.backtests import Backtest

BARS = "bars_1d"


class BacktestRunConfig(dg.Config):
    """Run config: strategy params (name -> value, as on the CLI) and the pinned bars version."""

    params: dict[str, str] = Field(default_factory=dict, description="e.g. {'fast': '1'}")
    bars_version: int | None = Field(None, description="bars_1d version; None = latest")
    cash: float = 100_000.0
    sizing: str = "fraction:1"
    fees: str | None = Field(
        None, description="PCT[,FIXED[,MIN]] as on the CLI; None = the default costs"
    )
    slippage: str | None = Field(
        None, description="none | constant:BPS | linear:K | sqrt:K; None = the default costs"
    )
    clamp_slippage_to_bar: bool = Field(False, description="clamp slipped prices into the bar")


def _build(strategy: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=f"backtest_{strategy}",
        partitions_def=symbol_partitions,
        deps=[dg.AssetKey(BARS)],
        group_name="backtests",
        kinds={"numba", "polars", "deltalake"},
        description=f"`{strategy}` backtest of one symbol's daily bars; a row of `backtests`.",
    )
    def _asset(
        context: dg.AssetExecutionContext, config: BacktestRunConfig, store: StoreResource
    ) -> dg.MaterializeResult:
        symbol = context.partition_key
        lake = store.get(context.run.run_id)
        version = lake.resolve(BARS, version=config.bars_version)
        bars = lake.scan(BARS, version=version).filter(pl.col("symbol") == symbol).collect()
        mod = resolve(strategy)
        cfg = BacktestConfig(
            cash=config.cash,
            sizing=cli_args.parse_sizing(config.sizing),
            fees=cli_args.parse_fees(config.fees),
            slippage=cli_args.parse_slippage(config.slippage),
            clamp_slippage_to_bar=config.clamp_slippage_to_bar,
        )
        result = run_backtest(mod, bars, validate_params(mod, config.params), cfg)
        info = write_backtest(lake, result, BARS, version)
        png = base64.b64encode(equity_drawdown_png(result)).decode()
        # the notebooks' interactive figure (price, entries/exits, equity, drawdown), saved
        # as a local HTML file under the lake's meta folder (plotly.js beside it, no CDN)
        page = lake.meta_dir / "figures" / "backtests" / f"{strategy}_{symbol}.html"
        bt = Backtest(result, bars, {"dataset": BARS, "version": version})
        figures.write_html(figures.backtest_figure(bt), page)
        m = result.metrics
        context.log.info(f"{strategy} {symbol}: {m.n_trades} trades, sharpe {m.sharpe}")
        return store_result(
            info,
            lake=lake,
            strategy=strategy,
            symbol=symbol,
            params=dg.MetadataValue.json(result.params),
            model=dg.MetadataValue.json(result.report),
            metrics=metrics_table([m.to_dict()]),
            equity_drawdown=dg.MetadataValue.md(
                f"![equity, drawdown](data:image/png;base64,{png})"
            ),
            figure=dg.MetadataValue.path(str(page)),
            total_return=m.total_return,
            sharpe=dg.MetadataValue.float(float("nan") if m.sharpe is None else m.sharpe),
            max_drawdown=m.max_drawdown,
            n_trades=m.n_trades,
        )

    return _asset


#: Strategies that need a model's input columns (``INPUTS``, e.g. pairs_spread) are backtested
#: on their model dataset by assets/models instead of on plain bars here.
backtest_assets = [_build(n) for n in available() if not getattr(resolve(n), "INPUTS", ())]
