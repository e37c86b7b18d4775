"""Writing one bar of the live engine to the ledger, in one transaction, and reading it back.

Ledger tables (decimals, for people and tools): orders, fills, positions, cash, the engine
snapshot as strategy state, discrepancies in the audit trail. Engine tables
(``engine_tables``): the core's exact records and per-bar equity, from which a replay
builds the same result a backtest returns.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import bindparam, delete, select, update

from quant.core import records as rec
from quant.core.sim import layout as lay
from quant.live import crash, engine_tables
from quant.live.broker import states as st
from quant.live.ledger import Ledger, NewOrder, schema

_TYPES = {rec.ORDER_MARKET: "market", rec.ORDER_LIMIT: "limit", rec.ORDER_STOP: "stop"}
_CORE_STATUS = {rec.STATUS_WORKING: st.ACCEPTED, rec.STATUS_FILLED: st.FILLED,
                rec.STATUS_CANCELLED: st.CANCELLED, rec.STATUS_REJECTED: st.REJECTED}  # fmt: skip


def dec(x: float) -> Decimal | None:
    """A float as the exact Decimal of its binary value (None for NaN)."""
    return None if np.isnan(x) else Decimal(float(x))


def write_bar(eng, ts, tb, snap, orders, new_ids, touched, cids, out, live_fills, trades, res,
              before):  # fmt: skip
    """Persist one bar (orders, fills, positions, cash, snapshot, records, discrepancies).

    ``touched``: the orders new or changed this bar; ``before``: positions and cash before it
    (only what changed is written, besides the snapshot and the bar row).
    """
    name, broker = eng.name, eng.broker
    now = eng.ledger.clock()
    with eng.ledger.transaction() as tx:
        conn, t = tx.conn, engine_tables.records
        rows = []
        for i in new_ids:  # bulk: a bar's orders are new by construction (its tx is atomic)
            o = orders[i]
            rows.append(asdict(NewOrder(
                cids[i], name, eng.symbols[int(o["symbol"])], "buy" if o["side"] > 0 else "sell",
                _TYPES[int(o["type"])], Decimal(float(o["qty"])), ts, dec(o["limit_price"]),
                dec(o["stop_price"]),
            )) | {"filled_qty": Decimal(0), "status": st.NEW, "created_ns": now,
                  "updated_ns": now})  # fmt: skip
        if rows:
            conn.execute(schema.orders.insert(), rows)
        if out.fills:
            conn.execute(schema.fills.insert(), [
                {"fill_id": f.fill_id, "client_order_id": f.client_id, "qty": Decimal(f.qty),
                 "price": Decimal(f.price), "fee": Decimal(f.fee), "ts": f.ts}
                for f in out.fills
            ])  # fmt: skip
        crash.point("fill_before_position")  # inside the transaction: rolled back on a crash
        changes = []
        for i in touched:
            bo = broker.order(cids[i])
            if bo is None:  # refused before the broker: the core's status and the reason
                status, filled = _CORE_STATUS[int(orders[i]["status"])], 0.0
                reason = out.refused.get(cids[i], "risk limit")
            else:  # the broker's status and filled quantity are the truth
                status, filled, reason = bo.status, bo.filled_qty, bo.reason or None
            changes.append({"cid": cids[i], "st": status, "fq": Decimal(filled), "rs": reason})
        if changes:
            o = schema.orders
            conn.execute(
                update(o).where(o.c.client_order_id == bindparam("cid")).values(
                    status=bindparam("st"), filled_qty=bindparam("fq"), reason=bindparam("rs"),
                    updated_ns=now,
                ), changes,
            )  # fmt: skip
        for s, sym in enumerate(eng.symbols):
            pos = float(snap.book[s, lay.B_POS])
            if pos == before["pos"][s]:
                continue
            qty = snap.book[s, lay.B_TR_QTY]
            avg = snap.book[s, lay.B_TR_ENTRY_VAL] / qty if pos != 0.0 and qty > 0 else 0.0
            tx.set_position(name, sym, Decimal(pos), Decimal(float(avg)))
        if tb == 0 or snap.acct[lay.A_CASH] != before["cash"]:
            tx.set_cash(Decimal(float(snap.acct[lay.A_CASH])), account=name)
        tx.save_strategy_state(name, snap.to_json(), bar_ts=ts)
        if touched:
            ids = [int(i) for i in touched]
            conn.execute(delete(t).where(t.c.engine == name, t.c.kind == "order", t.c.id.in_(ids)))
            conn.execute(t.insert(), [
                {"engine": name, "kind": "order", "id": i, "client_id": cids[i],
                 "bar": int(orders[i]["bar"]), "raw": orders[i].tobytes()} for i in ids
            ])  # fmt: skip
        base_f = int(snap.acct[lay.A_N_FILLS]) - len(live_fills)
        if len(live_fills):
            conn.execute(t.insert(), [
                {"engine": name, "kind": "fill", "id": base_f + k,
                 "client_id": out.fills[k].fill_id, "bar": tb, "raw": f.tobytes()}
                for k, f in enumerate(live_fills)
            ])  # fmt: skip
        base_t = int(snap.acct[lay.A_N_TRADES]) - len(trades)
        if len(trades):
            conn.execute(t.insert(), [
                {"engine": name, "kind": "trade", "id": base_t + k, "bar": tb, "raw": tr.tobytes()}
                for k, tr in enumerate(trades)
            ])  # fmt: skip
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
