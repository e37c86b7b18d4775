"""A ledger on a real SQLite file in the test's temp folder, with a settable clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from quant.live.ledger import Ledger


class FakeClock:
    """Nanosecond clock that only moves when told to."""

    def __init__(self, start_ns: int = 1_700_000_000_000_000_000) -> None:
        self.ns = start_ns

    def __call__(self) -> int:
        return self.ns

    def advance(self, seconds: float) -> None:
        self.ns += round(seconds * 1e9)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ledger_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger' / 'live.db'}"


@pytest.fixture
def ledger(ledger_url: str, clock: FakeClock) -> Ledger:
    led = Ledger(ledger_url, clock=clock)
    yield led
    led.close()
