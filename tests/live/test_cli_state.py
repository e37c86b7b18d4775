"""`quant live` state commands: halt, recovery checklist, resume, status, orders, positions."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

from typer.testing import CliRunner

from quant.cli import app
from quant.config import load_settings
from quant.live.halt import RECOVERY_STEPS, RecoveryIncomplete
from quant.live.ledger import Ledger, NewOrder

runner = CliRunner()


def _live(*args: str):
    return runner.invoke(app, ["live", *args])


def test_halt_recovery_resume_flow_through_the_cli() -> None:
    out = _live(
        "halt", "--reason", "fat finger on desk", "--action", "freeze", "--who", "alice", "--json"
    )
    assert out.exit_code == 0, out.output
    res = json.loads(out.stdout)
    assert (res["action"], res["episode"], res["halted"]) == ("freeze", 1, True)
    halted = json.loads(_live("status", "--json").stdout)
    assert halted["halted"] and halted["halts"][0]["reason"] == "fat finger on desk"
    assert "fat finger on desk" in halted["blocked"]

    refused = _live("resume", "--why", "too early")
    assert isinstance(refused.exception, RecoveryIncomplete)
    assert "reconcile_positions" in str(refused.exception)

    for step in RECOVERY_STEPS:
        done = _live("recovery", "--step", step, "--why", f"checked {step}", "--who", "bob")
        assert done.exit_code == 0, done.output
    checklist = json.loads(_live("recovery", "--json").stdout)
    assert all(s["done"] and s["who"] == "bob" for s in checklist["steps"])
    assert _live("resume", "--why", "all clear", "--who", "carol").exit_code == 0
    assert not json.loads(_live("status", "--json").stdout)["halted"]

    audit = Ledger.from_settings(load_settings()).audit_trail()
    assert [a["what"] for a in audit] == ["halt", *["recovery_step"] * 4, "resume"]
    assert audit[0]["who"] == "alice" and audit[-1]["who"] == "carol"


def test_orders_and_positions_show_exact_decimals() -> None:
    ledger = Ledger.from_settings(load_settings())
    with ledger.transaction() as tx:
        tx.record_order(
            NewOrder("k1", "sma", "AAPL", "buy", "limit", Decimal("3"), 5, Decimal("101.10"))
        )
        tx.set_position("sma", "AAPL", Decimal("3"), Decimal("101.10"))
    orders = json.loads(_live("orders", "--open", "--json").stdout)
    assert [(o["client_order_id"], o["limit_price"]) for o in orders] == [("k1", "101.10")]
    assert json.loads(_live("orders", "--status", "filled", "--json").stdout) == []
    (pos,) = json.loads(_live("positions", "--json").stdout)
    assert (pos["symbol"], pos["qty"], pos["avg_price"]) == ("AAPL", "3", "101.10")
    table = _live("positions").stdout
    assert "AAPL" in table and "101.10" in table


def test_resume_refused_exits_2_with_a_clear_message() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from quant.cli import main; main()",
            "live",
            "resume",
            "--why",
            "x",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("error: ") and "not halted" in out.stderr
    assert "Traceback" not in out.stderr
