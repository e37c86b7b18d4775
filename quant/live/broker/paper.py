"""The paper broker: an embedded exchange that fills orders with the backtest's own fill model.

Each bar, :meth:`PaperBroker.on_bar` lets every open order trade against the bar with
``quant.core.sim.fills.fill_order`` (touch price, participation cap, slippage, fees) and
``cap_to_cash`` (buying power), in the simulator's order: symbols in the engine's order,
within a symbol exits before entries, sharing one participation budget per bar;
reduce-only orders are cut to the position (and cancelled when there is nothing to
reduce); an exit grown by the engine is modified in place; DAY/IOC remainders expire after
their first bar. So the paper broker's fills equal the simulator's fills on the same bars.

State lives in its own SQLite file (the "remote" side: it survives the engine's crashes);
every call commits before it returns, like a broker acknowledging. A bar already processed
returns its recorded fills instead of trading again.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path

from quant.core.records import ORDER_LIMIT, ORDER_MARKET, ORDER_STOP
from quant.core.sim.fills import cap_to_cash, fill_order
from quant.live.broker import states as st
from quant.live.broker.base import (
    ORDER_TYPES,
    TIFS,
    Account,
    Broker,
    BrokerError,
    BrokerOrder,
    Fill,
    OrderRequest,
)

_EPS = 1e-9  # the simulator's "fully filled" tolerance (fraction of the order quantity)
_TYPE_CODE = {"market": ORDER_MARKET, "limit": ORDER_LIMIT, "stop": ORDER_STOP}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT UNIQUE NOT NULL, symbol TEXT NOT NULL,
  side INTEGER NOT NULL, type TEXT NOT NULL, qty REAL NOT NULL, limit_price REAL,
  stop_price REAL, tif TEXT NOT NULL, reduce_only INTEGER NOT NULL, priority INTEGER NOT NULL,
  ts INTEGER NOT NULL, status TEXT NOT NULL, filled_qty REAL NOT NULL, avg_price REAL,
  reason TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS fills (
  n INTEGER PRIMARY KEY AUTOINCREMENT, fill_id TEXT UNIQUE NOT NULL, client_id TEXT NOT NULL,
  symbol TEXT NOT NULL, ts INTEGER NOT NULL, side INTEGER NOT NULL, qty REAL NOT NULL,
  price REAL NOT NULL, fee REAL NOT NULL, slippage REAL NOT NULL);
CREATE TABLE IF NOT EXISTS positions (symbol TEXT PRIMARY KEY, qty REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cash (id INTEGER PRIMARY KEY CHECK (id = 0), value REAL NOT NULL);
CREATE TABLE IF NOT EXISTS bars_done (ts INTEGER NOT NULL, pass TEXT NOT NULL,
  PRIMARY KEY (ts, pass));
"""
_COLS = (
    "seq, client_id, symbol, side, type, qty, limit_price, stop_price, tif, reduce_only, "
    "priority, ts, status, filled_qty, avg_price, reason"
)


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _sql(x: float) -> float | None:
    return None if math.isnan(x) else x  # SQLite stores NaN as NULL: say so explicitly


def _sign(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


class PaperBroker(Broker):
    """A persistent embedded broker over one SQLite file, starting with ``cash``."""

    def __init__(self, path: str | Path, cash: float = 100_000.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: survives a process crash
        self.db.executescript(_SCHEMA)
        self.db.execute("INSERT OR IGNORE INTO cash VALUES (0, ?)", (cash,))

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    # ------------------------------------------------------------------ reads
    def _row(self, r: tuple) -> BrokerOrder:
        req = OrderRequest(
            client_id=r[1], symbol=r[2], side=int(r[3]), type=r[4], qty=r[5],
            limit_price=_nan(r[6]), stop_price=_nan(r[7]), tif=r[8], reduce_only=bool(r[9]),
            priority=int(r[10]), ts=int(r[11]),
        )  # fmt: skip
        return BrokerOrder(req, r[12], r[13], _nan(r[14]), r[15], int(r[0]))

    def order(self, client_id: str) -> BrokerOrder | None:
        """The order with this client id, or None."""
        q = f"SELECT {_COLS} FROM orders WHERE client_id = ?"  # noqa: S608 (constant columns)
        r = self.db.execute(q, (client_id,))
        row = r.fetchone()
        return None if row is None else self._row(row)

    def orders(self) -> list[BrokerOrder]:
        """Every order, in submission order."""
        q = f"SELECT {_COLS} FROM orders ORDER BY seq"  # noqa: S608 (constant columns)
        return [self._row(r) for r in self.db.execute(q)]

    def open_orders(self) -> list[BrokerOrder]:
        """Accepted or partially filled orders, in submission order."""
        q = f"SELECT {_COLS} FROM orders WHERE status IN (?, ?) ORDER BY seq"  # noqa: S608
        return [self._row(r) for r in self.db.execute(q, (st.ACCEPTED, st.PARTIAL))]

    def fills_since(self, ts: int) -> list[Fill]:
        """Fills of bars at or after ``ts``, in execution order."""
        q = (
            "SELECT fill_id, client_id, symbol, ts, side, qty, price, fee, slippage FROM fills "
            "WHERE ts >= ? ORDER BY n"
        )
        return [Fill(*r) for r in self.db.execute(q, (int(ts),))]

    def account(self) -> Account:
        """Cash and non-zero positions."""
        cash = self.db.execute("SELECT value FROM cash").fetchone()[0]
        pos = dict(self.db.execute("SELECT symbol, qty FROM positions WHERE qty != 0"))
        return Account(cash, pos)

    # ----------------------------------------------------------------- writes
    def _set_status(self, o: BrokerOrder, target: str, reason: str = "") -> None:
        o.status = st.transition(o.client_id, o.status, target)
        o.reason = reason or o.reason
        self.db.execute(
            "UPDATE orders SET status = ?, reason = ? WHERE client_id = ?",
            (o.status, reason or o.reason, o.client_id),
        )

    def submit(self, request: OrderRequest) -> BrokerOrder:
        """Accept a valid order (reject a malformed one); a known client id is returned as is."""
        known = self.order(request.client_id)
        if known is not None:
            return known
        reason = _invalid(request)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "INSERT INTO orders (client_id, symbol, side, type, qty, limit_price, stop_price,"
                " tif, reduce_only, priority, ts, status, filled_qty, avg_price)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL)",
                (
                    request.client_id, request.symbol, request.side, request.type, request.qty,
                    _sql(request.limit_price), _sql(request.stop_price), request.tif,
                    int(request.reduce_only), request.priority, request.ts, st.NEW,
                ),
            )  # fmt: skip
            o = self.order(request.client_id)
            assert o is not None
            self._set_status(o, st.REJECTED if reason else st.ACCEPTED, reason)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return o

    def _open(self, client_id: str) -> BrokerOrder:
        o = self.order(client_id)
        if o is None:
            raise BrokerError(f"unknown order {client_id!r}")
        return o

    def cancel(self, client_id: str) -> BrokerOrder:
        """Cancel an open order; a terminal order is returned unchanged."""
        o = self._open(client_id)
        if o.status in st.OPEN:
            self._set_status(o, st.CANCELLED, "cancelled by the client")
        return o

    def modify(
        self, client_id: str, qty: float | None = None, limit_price: float | None = None,
        stop_price: float | None = None,
    ) -> BrokerOrder:  # fmt: skip
        """Change an open order's quantity (not below what has filled) or prices."""
        o = self._open(client_id)
        if o.status not in st.OPEN:
            raise BrokerError(f"order {client_id}: cannot modify a {o.status} order")
        new_qty = o.request.qty if qty is None else float(qty)
        if not new_qty > o.filled_qty:
            raise BrokerError(
                f"order {client_id}: qty {new_qty} must exceed the filled {o.filled_qty}"
            )
        self.db.execute(
            "UPDATE orders SET qty = ?, limit_price = COALESCE(?, limit_price),"
            " stop_price = COALESCE(?, stop_price) WHERE client_id = ?",
            (new_qty, limit_price, stop_price, client_id),
        )
        return self._open(client_id)

    # ------------------------------------------------------------- execution
    def on_bar(
        self,
        ts: int,
        bars: Mapping[str, tuple[float, float, float, float, float]],
        costs: Mapping[str, tuple[float, ...]],
        symbols: Sequence[str],
        at_close: bool = False,
        same: bool = False,
        clamp: bool = False,
    ) -> list[Fill]:
        """Trade open orders against one bar per symbol; returns this pass's fills.

        ``costs[symbol]`` = (participation, slip model, slip param, sigma, adv, fee pct, fee
        fixed, fee min) as ``fill_order`` takes it. ``same``: only market orders placed at
        this very bar (same-close timing). ``clamp``: slipped prices clamped into the bar
        (the backtest's opt-in ``clamp_slippage_to_bar``). Processing a bar twice returns
        the first result.
        """
        kind = "same" if same else "bar"
        done = self.db.execute("SELECT 1 FROM bars_done WHERE ts = ? AND pass = ?", (ts, kind))
        if done.fetchone() is not None:
            return self._fills_of(ts, kind)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            out: list[Fill] = []
            cash = self.db.execute("SELECT value FROM cash").fetchone()[0]
            by_symbol: dict[str, list[BrokerOrder]] = {}
            for o in self.open_orders():
                by_symbol.setdefault(o.request.symbol, []).append(o)
            for sym in symbols:
                bar = bars.get(sym)
                if bar is None or math.isnan(bar[3]) or sym not in by_symbol:
                    continue
                todo = sorted(by_symbol[sym], key=lambda o: (o.request.priority, o.seq))
                part, vol = costs[sym][0], bar[4]
                # one participation budget per symbol and bar, shared in execution order
                budget = [(part * vol if vol > 0.0 else 0.0) if part > 0.0 else math.inf]
                for o in todo:
                    cash = self._execute(
                        o, ts, bar, costs[sym], (at_close, same, clamp), cash, out, budget
                    )
            self.db.execute("UPDATE cash SET value = ?", (cash,))
            self.db.execute("INSERT INTO bars_done VALUES (?, ?)", (ts, kind))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return out

    def _fills_of(self, ts: int, kind: str) -> list[Fill]:
        fills = [f for f in self.fills_since(ts) if f.ts == ts]
        if kind == "bar":
            return [f for f in fills if not f.fill_id.endswith("@close")]
        return [f for f in fills if f.fill_id.endswith("@close")]

    def _position(self, symbol: str) -> float:
        r = self.db.execute("SELECT qty FROM positions WHERE symbol = ?", (symbol,)).fetchone()
        return 0.0 if r is None else r[0]

    def _execute(self, o, ts, bar, cost, mode, cash, out, budget) -> float:
        """Let one order trade against the bar (the simulator's rules); returns the new cash."""
        req = o.request
        at_close, same, clamp = mode
        if same:
            if req.ts != ts or req.type != "market":
                return cash
        elif req.ts >= ts:
            return cash
        side = float(req.side)
        pos = self._position(req.symbol)
        remaining = o.remaining
        if req.reduce_only:
            if pos == 0.0 or _sign(pos) == side:
                self._set_status(o, st.CANCELLED, "nothing left to reduce")
                return cash
            remaining = min(remaining, abs(pos))
        remaining = min(remaining, budget[0])
        order = (side, remaining, float(_TYPE_CODE[req.type]), req.limit_price, req.stop_price)
        qty, price, fee, slip = fill_order(order, bar, cost, at_close, clamp)
        capped = False
        if qty > 0.0 and side > 0.0 and pos >= 0.0:
            qty, fee, slip, capped = cap_to_cash(qty, price, fee, slip, cash, *cost[5:8])
            if capped and qty <= 0.0:  # a partly filled order keeps its fills: cancelled
                target = st.CANCELLED if o.status == st.PARTIAL else st.REJECTED
                self._set_status(o, target, "insufficient buying power")
                return cash
        if qty > 0.0:
            budget[0] -= qty
            cash -= side * qty * price + fee
            new_pos = pos + side * qty
            self.db.execute(
                "INSERT INTO positions VALUES (?, ?) ON CONFLICT(symbol) DO UPDATE SET qty = ?",
                (req.symbol, new_pos, new_pos),
            )
            done = o.filled_qty
            o.avg_price = (
                price if done == 0.0 else (o.avg_price * done + price * qty) / (done + qty)
            )
            o.filled_qty = done + qty
            n = self.db.execute("SELECT COUNT(*) FROM fills WHERE client_id = ?", (o.client_id,))
            fill_id = f"{o.client_id}#{n.fetchone()[0]}" + ("@close" if same else "")
            f = Fill(fill_id, o.client_id, req.symbol, ts, req.side, qty, price, fee, slip)
            self.db.execute(
                "INSERT INTO fills (fill_id, client_id, symbol, ts, side, qty, price, fee,"
                " slippage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f.fill_id, f.client_id, f.symbol, f.ts, f.side, f.qty, f.price, f.fee, f.slippage),
            )
            self.db.execute(
                "UPDATE orders SET filled_qty = ?, avg_price = ? WHERE client_id = ?",
                (o.filled_qty, o.avg_price, o.client_id),
            )
            out.append(f)
            flat = new_pos == 0.0
            if o.remaining <= _EPS * req.qty or (flat and req.reduce_only):
                self._set_status(o, st.FILLED)
            else:
                self._set_status(o, st.PARTIAL)
        if o.status in st.OPEN:
            if capped:
                self._set_status(o, st.CANCELLED, "remainder beyond buying power")
            elif req.tif != "gtc" and not req.reduce_only:
                self._set_status(o, st.EXPIRED, f"{req.tif} remainder expired")
        return cash


def _invalid(r: OrderRequest) -> str:
    """Why a request is malformed ('' when it is fine)."""
    if r.type not in ORDER_TYPES:
        return f"unknown order type {r.type!r}"
    if r.tif not in TIFS:
        return f"unknown time in force {r.tif!r}"
    if r.side not in (1, -1):
        return f"side must be +1 or -1, got {r.side}"
    if not (r.qty > 0.0 and math.isfinite(r.qty)):
        return f"quantity must be positive, got {r.qty}"
    if r.type == "limit" and not r.limit_price > 0.0:
        return "a limit order needs a positive limit price"
    if r.type == "stop" and not r.stop_price > 0.0:
        return "a stop order needs a positive stop price"
    return ""
