"""The live configuration as a Dagster resource, mapped onto ``quant.live.tick.LiveSpec``."""

from __future__ import annotations

import json
import os

import dagster as dg
from pydantic import Field

from quant.live.tick import LiveSpec


def _env_list(name: str, default: str) -> list[str]:
    return [s for s in os.environ.get(name, default).split(",") if s]


class LiveResource(dg.ConfigurableResource):
    """Strategy, params, symbols, feed and state locations of the live sensor and jobs.

    Defaults come from ``QUANT_LIVE_STRATEGY``, ``QUANT_LIVE_SYMBOLS`` (comma separated),
    ``QUANT_LIVE_DATASET``, ``QUANT_LIVE_PARAMS`` (JSON), ``QUANT_LIVE_FEED`` and
    ``QUANT_LIVE_INBOX``; the lake and ledger are the settings' ``QUANT_LAKE`` and
    ``QUANT_LEDGER`` unless given.
    """

    strategy: str = Field(
        default_factory=lambda: os.environ.get("QUANT_LIVE_STRATEGY", "sma_crossover")
    )
    symbols: list[str] = Field(default_factory=lambda: _env_list("QUANT_LIVE_SYMBOLS", "ORCL"))
    dataset: str = Field(default_factory=lambda: os.environ.get("QUANT_LIVE_DATASET", "bars_1d"))
    version: int | None = None
    feed: str = Field(default_factory=lambda: os.environ.get("QUANT_LIVE_FEED", "replay"))
    inbox: str = Field(default_factory=lambda: os.environ.get("QUANT_LIVE_INBOX", ""))
    params: dict[str, str] = Field(
        default_factory=lambda: {
            k: str(v) for k, v in json.loads(os.environ.get("QUANT_LIVE_PARAMS", "{}")).items()
        }
    )
    cash: float = 100_000.0
    staleness_s: float = 0.0
    validate_orders: bool = True
    lake: str = ""
    ledger: str = ""

    def spec(self) -> LiveSpec:
        """The quant-side description of what runs live."""
        return LiveSpec(
            strategy=self.strategy, symbols=tuple(self.symbols), dataset=self.dataset,
            version=self.version, feed=self.feed, inbox=self.inbox, params=dict(self.params),
            cash=self.cash, staleness_s=self.staleness_s, validate=self.validate_orders,
            lake=self.lake, ledger=self.ledger,
        )  # fmt: skip


live_resource = LiveResource()
