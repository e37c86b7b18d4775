"""Writing one bar of the live engine to the ledger, in one transaction, and reading it back.

Ledger tables (decimals, for people and tools): orders, fills, positions, cash, the engine
snapshot as strategy state, discrepancies in the audit trail. Engine tables
(``engine_tables``): the core's exact records and per-bar equity, from which a replay
builds the same result a backtest returns.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select

from quant.core import records as rec
from quant.core.sim import layout as lay
from quant.live import crash, engine_tables
from quant.live.broker import states as st
from quant.live.ledger import Ledger, NewOrder
from quant.live.ledger.dialect import upsert

_TYPES = {rec.ORDER_MARKET: "market", rec.ORDER_LIMIT: "limit", rec.ORDER_STOP: "stop"}
_CORE_STATUS = {rec.STATUS_WORKING: st.ACCEPTED, rec.STATUS_FILLED: st.FILLED,
                rec.STATUS_CANCELLED: st.CANCELLED, rec.STATUS_REJECTED: st.REJECTED}  # fmt: skip


def dec(x: float) -> Decimal | None:
    """A float as the exact Decimal of its binary value (None for NaN)."""
    return None if np.isnan(x) else Decimal(float(x))


def write_bar(eng, ts, tb, snap, orders, new_ids, touched, cids, out, live_fills, trades, res):
    """Persist one bar (orders, fills, positions, cash, snapshot, records, discrepancies)."""
    name, broker = eng.name, eng.broker
    with eng.ledger.transaction() as tx:
        for i in new_ids:
            o = orders[i]
            sym = eng.symbols[int(o["symbol"])]
            tx.record_order(NewOrder(
                cids[i], name, sym, "buy" if o["side"] > 0 else "sell", _TYPES[int(o["type"])],
                Decimal(float(o["qty"])), ts, dec(o["limit_price"]), dec(o["stop_price"]),
            ), status=st.NEW)  # fmt: skip
        for f in out.fills:
            tx.record_fill(f.fill_id, f.client_id, Decimal(f.qty), Decimal(f.price),
                           Decimal(f.fee), f.ts)  # fmt: skip
        crash.point("fill_before_position")  # inside the transaction: rolled back on a crash
        for i in touched:
            bo = broker.order(cids[i])
            status = bo.status if bo is not None else _CORE_STATUS[int(orders[i]["status"])]
            reason = out.refused.get(cids[i]) or (bo.reason if bo is not None else "risk limit")
            tx.update_order(cids[i], status=status, reason=reason or None)
        for s, sym in enumerate(eng.symbols):
            pos = float(snap.book[s, lay.B_POS])
            prev = tx.position(name, sym)
            if prev is None and pos == 0.0:
                continue
            qty = snap.book[s, lay.B_TR_QTY]
            avg = snap.book[s, lay.B_TR_ENTRY_VAL] / qty if pos != 0.0 and qty > 0 else 0.0
            tx.set_position(name, sym, Decimal(pos), Decimal(float(avg)))
        tx.set_cash(Decimal(float(snap.acct[lay.A_CASH])), account=name)
        tx.save_strategy_state(name, snap.to_json(), bar_ts=ts)
        conn, t = tx.conn, engine_tables.records
        for i in touched:
            upsert(conn, t, {"engine": name, "kind": "order", "id": i, "client_id": cids[i],
                             "bar": int(orders[i]["bar"]), "raw": orders[i].tobytes()},
                   ["engine", "kind", "id"])  # fmt: skip
        base_f = int(snap.acct[lay.A_N_FILLS]) - len(live_fills)
        for k, f in enumerate(live_fills):
            conn.execute(t.insert().values(engine=name, kind="fill", id=base_f + k,
                                           client_id=out.fills[k].fill_id, bar=tb,
                                           raw=f.tobytes()))  # fmt: skip
        base_t = int(snap.acct[lay.A_N_TRADES]) - len(trades)
        for k, tr in enumerate(trades):
            conn.execute(t.insert().values(engine=name, kind="trade", id=base_t + k, bar=tb,
                                           raw=tr.tobytes()))  # fmt: skip
        eq, ex, tg, halt = res
        values = np.concatenate((eq, ex, tg[0])).tobytes()
        conn.execute(engine_tables.bars.insert().values(
            engine=name, bar=tb, ts=ts, halt=int(halt[0]), values=values))  # fmt: skip
        for d in out.discrepancies:
            tx.audit("live-engine", "discrepancy", d.kind, key=d.key, detail=d.detail,
                     resolution=d.resolution, bar_ts=ts)  # fmt: skip
        crash.point("before_commit")


def read_records(ledger: Ledger, name: str, n_symbols: int) -> dict[str, Any]:
    """The engine's exact records: orders, fills, trades, and per-bar ts/equity/targets/halt."""
    t, b = engine_tables.records, engine_tables.bars
    with ledger.read() as r:
        rows = r.conn.execute(
            select(t.c.kind, t.c.raw).where(t.c.engine == name).order_by(t.c.kind, t.c.id)
        ).all()
        bars = r.conn.execute(
            select(b.c.ts, b.c.halt, b.c["values"]).where(b.c.engine == name).order_by(b.c.bar)
        ).all()
    out: dict[str, Any] = {}
    for kind, dtype in (("order", rec.order_dt), ("fill", rec.fill_dt), ("trade", rec.trade_dt)):
        raw = b"".join(x.raw for x in rows if x.kind == kind)
        out[kind + "s"] = np.frombuffer(raw, dtype=dtype).copy()
    vals = np.frombuffer(b"".join(x[2] for x in bars), dtype=np.float64).reshape(-1, 2 + n_symbols)
    out["ts"] = np.array([x.ts for x in bars], dtype=np.int64)
    out["equity"], out["exposure"] = vals[:, 0].copy(), vals[:, 1].copy()
    out["targets"] = np.ascontiguousarray(vals[:, 2:])
    out["halt"] = np.array([x.halt for x in bars], dtype=np.int8)
    return out
