"""A replay run as its own process (``python -m tests.live.crash_worker WORKDIR``).

The crash tests start it with ``QUANT_LIVE_KILL_AT`` set so it SIGKILLs itself at a kill
point, then again without, to finish; the ledger and the paper broker live in WORKDIR.
"""

import sys

from quant.backtest.bars import from_frame
from quant.backtest.config import BacktestConfig, Fees, Slippage
from quant.live.engine import LiveEngine
from quant.live.replay import open_paper, run_bars
from tests.backtest.sample_bars import daily_bars

CONFIG = BacktestConfig(
    fees=Fees(pct=0.001, fixed=1.0), slippage=Slippage(model="constant", param=5.0),
    participation=0.0002,
)  # fmt: skip
PARAMS = {"period": 4, "lower": 40, "exit": 50, "upper": 60}
N_BARS = 120


def main(workdir: str) -> None:
    """Replay the fixed window into ``workdir`` (resuming after the last committed bar)."""
    bars = from_frame(daily_bars("ORCL", N_BARS))
    ledger, broker = open_paper(workdir, CONFIG.cash)
    engine = LiveEngine("rsi_mean_reversion", bars.symbols, ledger, broker, PARAMS, CONFIG)
    run_bars(engine, bars)
    broker.close()
    ledger.close()


if __name__ == "__main__":
    main(sys.argv[1])
