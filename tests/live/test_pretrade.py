"""Pre-trade failures are recorded in the ledger with their stage and reason."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from quant.live.ledger import Ledger
from quant.live.pretrade import check_order
from quant.risk.instruments import InstrumentRules
from quant.risk.validation import AccountContext, OrderRejected, OrderRequest, ValidationConfig

CFG = ValidationConfig(instruments={"AAPL": InstrumentRules()}, fat_finger=0.05)
NOW = int(datetime(2024, 7, 1, 16, tzinfo=UTC).timestamp() * 1e9)
ACCT = AccountContext(equity=10_000.0, day_start_equity=10_000.0, now_ns=NOW, last_price=100.0)


def test_rejected_order_is_recorded_with_stage_and_reason(ledger: Ledger) -> None:
    bad = OrderRequest("k1", "sma", "AAPL", "buy", "limit", 5, 1, limit_price=150.0)
    with pytest.raises(OrderRejected, match="price_sanity"):
        check_order(ledger, bad, ACCT, CFG)
    with ledger.read() as r:
        (fail,) = r.validation_failures("sma")
    assert (fail["stage"], fail["client_order_id"]) == ("price_sanity", "k1")
    assert "50.0% from the last price" in fail["reason"]
    assert fail["order"]["limit_price"] == 150.0
    assert ledger.audit_trail("order_rejected")[0]["detail"]["stage"] == "price_sanity"


def test_accepted_order_records_nothing(ledger: Ledger) -> None:
    ok = OrderRequest("k2", "sma", "AAPL", "buy", "market", "5.5", 1)
    assert check_order(ledger, ok, ACCT, CFG).qty == Decimal(5)
    with ledger.read() as r:
        assert r.validation_failures() == []
