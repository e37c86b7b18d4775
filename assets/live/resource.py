"""The live configuration as a Dagster resource, mapped onto ``quant.live.tick.LiveSpec``."""

from __future__ import annotations

import json
import os

import dagster as dg
from pydantic import Field

from quant.live.tick import LiveSpec


class LiveResource(dg.ConfigurableResource):
    """Strategy, params, symbols, feed and state locations of the live sensor and jobs.

    Empty fields are resolved when used (not at import): ``QUANT_LIVE_STRATEGY`` (default
    sma_crossover), ``QUANT_LIVE_SYMBOLS`` (comma separated; ORCL), ``QUANT_LIVE_DATASET``
    (bars_1d), ``QUANT_LIVE_PARAMS`` (JSON; the strategy's defaults), ``QUANT_LIVE_FEED``
    (replay), ``QUANT_LIVE_INBOX``; the lake and ledger are the settings' ``QUANT_LAKE`` and
    ``QUANT_LEDGER``.
    """

    strategy: str = ""
    symbols: list[str] = Field(default_factory=list)
    dataset: str = ""
    version: int | None = None
    feed: str = ""
    inbox: str = ""
    params: dict[str, str] = Field(default_factory=dict)
    cash: float = 100_000.0
    staleness_s: float = 0.0
    validate_orders: bool = True
    lake: str = ""
    ledger: str = ""

    def spec(self) -> LiveSpec:
        """The quant-side description of what runs live (environment fills empty fields)."""
        env = os.environ.get
        symbols = self.symbols or [s for s in env("QUANT_LIVE_SYMBOLS", "ORCL").split(",") if s]
        params = self.params or json.loads(env("QUANT_LIVE_PARAMS", "") or "{}")
        return LiveSpec(
            strategy=self.strategy or env("QUANT_LIVE_STRATEGY", "sma_crossover"),
            symbols=tuple(symbols), dataset=self.dataset or env("QUANT_LIVE_DATASET", "bars_1d"),
            version=self.version, feed=self.feed or env("QUANT_LIVE_FEED", "replay"),
            inbox=self.inbox or env("QUANT_LIVE_INBOX", ""), params=dict(params),
            cash=self.cash, staleness_s=self.staleness_s, validate=self.validate_orders,
            lake=self.lake, ledger=self.ledger,
        )  # fmt: skip


live_resource = LiveResource()
