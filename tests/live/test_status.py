"""The live status summary shared by the CLI and the Dagster UI."""

from __future__ import annotations

from decimal import Decimal

from quant.live.breaker import BreakerConfig, CircuitBreaker
from quant.live.halt import HaltSwitch
from quant.live.ledger import Ledger, NewOrder
from quant.live.status import live_status, status_lines


def test_status_of_a_busy_halted_ledger(ledger: Ledger) -> None:
    with ledger.transaction() as tx:
        tx.record_order(NewOrder("k1", "sma", "AAPL", "buy", "market", Decimal(2), 1))
        tx.set_position("sma", "AAPL", Decimal(2), Decimal(100))
        tx.set_position("sma", "MSFT", Decimal(0), Decimal(0))
        tx.set_cash(Decimal("9800.5"))
    CircuitBreaker("broker", ledger, BreakerConfig(fail_max=1)).record_failure("timeout")
    HaltSwitch(ledger, scope="sma").halt("consecutive_losses", "5 losing trades", who="auto")

    st = live_status(ledger)
    lines = status_lines(st)

    assert st["halted"] and st["open_orders"] == 1 and st["cash"] == Decimal("9800.5")
    assert [p["symbol"] for p in st["positions"]] == ["AAPL"]  # flat positions left out
    assert [h["scope"] for h in st["halts"]] == ["global", "sma"]
    assert lines["trading"] == "HALTED"
    assert lines["halt reason"] == "sma: 5 losing trades"
    assert lines["breakers open"] == "broker"
    assert "circuit breaker 'broker' is open" in lines["blocked by"]


def test_status_of_a_fresh_ledger_allows_trading(ledger: Ledger) -> None:
    lines = status_lines(live_status(ledger))
    assert lines["trading"] == "allowed" and lines["open orders"] == 0
