"""Reconciliation: the broker's view (orders, fills, positions, cash) against the engine's.

``reconcile_bar`` runs inside every bar: this bar's broker fills must equal the fills the
core booked (order, quantity, price, fee, slippage, bit for bit), each order's status must
agree, and positions and cash must match. ``reconcile`` compares the broker with the
ledger at any time (``quant live reconcile``) and proposes a resolution per discrepancy;
``apply_resolutions`` carries out the ones that only touch the broker (cancel an order the
ledger does not know, cancel one the ledger closed). Adopting broker fills into the
ledger is left to an operator (it rewrites history).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from quant.core import records as rec
from quant.core.sim import layout as lay
from quant.live import crash
from quant.live.broker import states as st
from quant.live.broker.base import Broker

#: the core's order status -> the broker statuses that agree with it
AGREES = {
    rec.STATUS_WORKING: st.OPEN,
    rec.STATUS_FILLED: frozenset({st.FILLED}),
    rec.STATUS_CANCELLED: frozenset({st.CANCELLED, st.EXPIRED}),
    rec.STATUS_REJECTED: frozenset({st.REJECTED, st.CANCELLED}),  # cancelled: after a part fill
}


@dataclass(frozen=True)
class Discrepancy:
    """One disagreement: ``kind``, the order or symbol concerned, details, the remedy."""

    kind: str  # missing_order | unknown_order | status_mismatch | fill_mismatch | ...
    key: str
    detail: str
    resolution: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON output)."""
        return asdict(self)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def reconcile_bar(
    core_fills: np.ndarray,
    broker_fills: np.ndarray,
    orders: Mapping[str, np.void],
    refused: Mapping[str, str],
    broker: Broker,
    book: np.ndarray,
    acct: np.ndarray,
    symbols: Sequence[str],
) -> list[Discrepancy]:
    """Discrepancies between the core's bar and the broker's (empty when they agree)."""
    out: list[Discrepancy] = []
    if core_fills.tobytes() != broker_fills.tobytes():
        out.append(Discrepancy(
            "fill_mismatch", "bar", f"core {core_fills.tolist()} != broker {broker_fills.tolist()}",
            "the broker is the truth: adopt its fills (operator), then restart from the ledger",
        ))  # fmt: skip
    for k, (cid, o) in enumerate(orders.items()):
        if k == 1:
            crash.point("mid_reconcile")
        bo = broker.order(cid)
        status = int(o["status"])
        if bo is None:
            if status == rec.STATUS_WORKING:
                out.append(Discrepancy("missing_order", cid, "working in the core, unknown "
                                       "at the broker", "resubmit"))  # fmt: skip
            continue
        if bo.status not in AGREES[status]:
            out.append(Discrepancy(
                "status_mismatch", cid, f"core status {status}, broker {bo.status}",
                "adopt the broker status",
            ))  # fmt: skip
        if not _same(bo.filled_qty, float(o["filled_qty"])):
            out.append(Discrepancy(
                "qty_mismatch", cid, f"core filled {o['filled_qty']}, broker {bo.filled_qty}",
                "adopt the broker fills",
            ))  # fmt: skip
    account = broker.account()
    for s, sym in enumerate(symbols):
        mine, theirs = book[s, lay.B_POS], account.positions.get(sym, 0.0)
        if mine != theirs:
            out.append(Discrepancy("position_mismatch", sym, f"core {mine}, broker {theirs}",
                                   "adopt the broker position"))  # fmt: skip
    if hasattr(broker, "on_bar") and acct[lay.A_CASH] != account.cash:
        out.append(Discrepancy("cash_mismatch", "cash", f"core {acct[lay.A_CASH]}, broker "
                               f"{account.cash}", "adopt the broker cash"))  # fmt: skip
    return out


def reconcile(ledger_orders: Sequence[Mapping[str, Any]], ledger_positions: Mapping[str, Decimal],
              broker: Broker) -> list[Discrepancy]:  # fmt: skip
    """Broker vs ledger: orders missing on either side, status / quantity / position mismatches."""
    out: list[Discrepancy] = []
    known = {o["client_order_id"]: o for o in ledger_orders}
    for bo in broker.orders():
        lo = known.get(bo.client_id)
        if lo is None:
            if bo.status in st.OPEN:
                out.append(Discrepancy("unknown_order", bo.client_id, "open at the broker, not in "
                                       "the ledger", "cancel at the broker"))  # fmt: skip
            continue
        if lo["status"] != bo.status:
            fix = "cancel at the broker" if bo.status in st.OPEN else "adopt the broker status"
            out.append(Discrepancy("status_mismatch", bo.client_id,
                                   f"ledger {lo['status']}, broker {bo.status}", fix))  # fmt: skip
        if Decimal(lo["filled_qty"]) != Decimal(bo.filled_qty):
            out.append(Discrepancy("qty_mismatch", bo.client_id, f"ledger filled "
                                   f"{lo['filled_qty']}, broker {bo.filled_qty}",
                                   "adopt the broker fills"))  # fmt: skip
    at_broker = {bo.client_id for bo in broker.orders()}
    for cid, lo in known.items():
        if cid not in at_broker and lo["status"] in ("new", st.ACCEPTED, st.PARTIAL):
            out.append(Discrepancy("missing_order", cid, "open in the ledger, unknown at the "
                                   "broker", "resubmit (re-run the bar)"))  # fmt: skip
    positions = broker.account().positions
    for sym in sorted(set(positions) | set(ledger_positions)):
        mine, theirs = ledger_positions.get(sym, Decimal(0)), Decimal(positions.get(sym, 0.0))
        if mine != theirs:
            out.append(Discrepancy("position_mismatch", sym, f"ledger {mine}, broker {theirs}",
                                   "adopt the broker position"))  # fmt: skip
    return out


def apply_resolutions(found: Sequence[Discrepancy], broker: Broker) -> list[Discrepancy]:
    """Carry out the broker-side remedies (cancels); returns the discrepancies resolved."""
    done = []
    for d in found:
        if d.resolution == "cancel at the broker":
            broker.cancel(d.key)
            done.append(d)
    return done
