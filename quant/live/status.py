"""One summary of the live state, for ``quant live status`` and the Dagster UI's metadata."""

from __future__ import annotations

from typing import Any

from quant.live.gate import blocked_reason
from quant.live.halt import HaltSwitch
from quant.live.ledger import OPEN_STATUSES, Ledger


def live_status(ledger: Ledger) -> dict[str, Any]:
    """HALT per scope (with recovery steps), what blocks trading, breakers, orders, positions."""
    blocked = blocked_reason(ledger)
    with ledger.read() as r:
        halts = r.halts()
        breakers = r.breakers()
        open_orders = len(r.orders(status=list(OPEN_STATUSES)))
        positions = [p for p in r.positions() if p["qty"] != 0]
        cash = r.cash()
    scopes = sorted({h["scope"] for h in halts} | {"global"})
    halt_rows = [HaltSwitch(ledger, scope=s).status() for s in scopes]
    return {
        "halted": any(h["halted"] for h in halt_rows),
        "blocked": blocked,
        "halts": halt_rows,
        "breakers": breakers,
        "open_orders": open_orders,
        "positions": positions,
        "cash": cash,
        "schema_version": ledger.schema_version,
    }


def status_lines(status: dict[str, Any]) -> dict[str, str | int]:
    """The human summary of :func:`live_status` (one value per line)."""
    halts = status["halts"]
    glob = next(h for h in halts if h["scope"] == "global")
    halted = [h for h in halts if h["halted"]]
    trading = "HALTED" if halted else ("blocked" if status["blocked"] else "allowed")
    return {
        "trading": trading,
        "blocked by": status["blocked"] or "",
        "halt reason": "; ".join(f"{h['scope']}: {h['reason']}" for h in halted),
        "recovery steps missing": ", ".join(glob["steps_missing"]),
        "breakers open": ", ".join(b["name"] for b in status["breakers"] if b["state"] != "closed"),
        "open orders": status["open_orders"],
        "positions": len(status["positions"]),
        "cash": "" if status["cash"] is None else str(status["cash"]),
    }
