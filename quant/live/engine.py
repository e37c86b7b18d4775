"""The live engine: one call per new bar, driving the backtest's own compiled core.

``LiveEngine.on_bar(ts, rows)`` runs, all or nothing:

1. restore the engine snapshot from the ledger (book, account, strategy state, streaming
   feature state, market-stat state, working orders; JSON, arrays exact);
2. update the streaming features (``features_step``, O(1)) and the past-only market stats
   (``market_stats_pass``) with the new bar;
3. broker: the paper broker trades the open orders against the bar (``fill_order``);
4. core: ``quant.core.sim.loop.simulate`` over this one bar, resumed from the snapshot:
   the same fills booked, marks, account HALT, the strategy's ``decide``, sizing and
   limits from ``quant.risk`` -> new orders and cancels;
5. pre-trade validation (optional ``validate`` hook) -> broker submit / cancel, with
   deterministic client order ids (``idempotency.order_key``) so a re-run never doubles;
6. reconcile the bar: the broker's fills, statuses, positions and cash against the core's;
7. persist everything in one ledger transaction (orders, fills, positions, cash, snapshot,
   exact records, discrepancies in the audit trail).

A crash anywhere before step 7 leaves the ledger at the previous bar; the re-run restores
that, recomputes the same bar deterministically, finds its orders at the broker by client
id and its fills recorded for that bar, and commits. Bracket orders and ``same_close``
timing are not supported live (``LiveConfigError``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from quant.backtest.config import BacktestConfig
from quant.backtest.engine import new_account, new_book
from quant.backtest.strategy import resolve, validate_params
from quant.core import records as rec
from quant.core.sim import layout as lay
from quant.core.sim.intent import halt_symbol
from quant.core.sim.loop import ROOM_PER_SYMBOL, simulate
from quant.core.sim.market import market_state, market_stats_pass
from quant.errors import QuantError
from quant.live import crash
from quant.live.broker import states as st
from quant.live.broker.base import Broker, Fill, OrderRequest
from quant.live.idempotency import order_key
from quant.live.ledger import Ledger
from quant.live.persist import write_bar
from quant.live.reconcile import Discrepancy, reconcile_bar
from quant.live.snapshot import EngineSnapshot, fresh_snapshot
from quant.risk.validation import AccountContext

NS_PER_DAY = 86_400 * 10**9
ROLE = {
    rec.ROLE_ENTRY: "entry",
    rec.ROLE_STOP_LOSS: "stop_loss",
    rec.ROLE_TAKE_PROFIT: "take_profit",
    rec.ROLE_RISK: "risk",
    rec.ROLE_EXIT: "exit",
}
TYPE = {rec.ORDER_MARKET: "market", rec.ORDER_LIMIT: "limit", rec.ORDER_STOP: "stop"}
TIF = {rec.TIF_GTC: "gtc", rec.TIF_DAY: "day", rec.TIF_IOC: "ioc"}
#: validate(request, account context) -> "" to accept, else the refusal "stage: reason"
#: (``quant.live.validate.pretrade_validator`` runs the pre-trade pipeline).
Validator = Callable[[OrderRequest, AccountContext], str]


class LiveConfigError(QuantError):
    """The strategy or engine configuration cannot run live (names what and why)."""


@dataclass
class BarOutcome:
    """What one bar run did: orders sent, fills booked, discrepancies found."""

    ts: int
    skipped: bool = False
    submitted: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    discrepancies: list[Discrepancy] = field(default_factory=list)


def check_live_config(mod: ModuleType, cfg: BacktestConfig) -> None:
    """Refuse what the live path does not support, naming it."""
    if not hasattr(mod, "features_step"):
        raise LiveConfigError(
            f"{mod.NAME} has no streaming features: declare feature_specs(p) and derive "
            "features, features_init, features_step (quant.core.streaming.derive_features)"
        )
    if cfg.fill_timing == "same_close":
        raise LiveConfigError(
            "fill timing same_close cannot trade live (a decision at a bar's close cannot fill "
            "at that close); use next_open or next_close"
        )
    if cfg.stop_loss > 0.0 or cfg.take_profit > 0.0:
        raise LiveConfigError("bracket orders (stop_loss / take_profit) are not supported live yet")


class LiveEngine:
    """One strategy on a fixed symbol list, its state in ``ledger``, orders at ``broker``."""

    def __init__(
        self,
        strategy: str | ModuleType,
        symbols: Sequence[str],
        ledger: Ledger,
        broker: Broker,
        params: Any = None,
        config: BacktestConfig | None = None,
        name: str | None = None,
        validate: Validator | None = None,
        keep_in_memory: bool = True,
    ) -> None:
        self.mod = resolve(strategy)
        self.p = validate_params(self.mod, params)
        self.cfg = config or BacktestConfig()
        check_live_config(self.mod, self.cfg)
        self.symbols = tuple(symbols)
        self.name = name or self.mod.NAME
        self.ledger, self.broker, self.validate = ledger, broker, validate
        #: keep the committed snapshot for the next bar (this process is the only writer);
        #: False restores from the ledger every bar, as a run-per-bar job does
        self.keep_in_memory = keep_in_memory
        self._cache: EngineSnapshot | None = None
        self.pvec = np.ascontiguousarray(self.mod.params_array(self.p), dtype=np.float64)
        self.cvec = self.cfg.to_vector()
        self.costs = self.cfg.cost_matrix(self.symbols)
        self.with_stats = self.cfg.needs_market_stats()
        self.with_mu = self.cfg.sizing.rule == "kelly"
        self.at_close = self.cfg.fill_timing != "next_open"

    # ------------------------------------------------------------------ state
    def fresh(self) -> EngineSnapshot:
        """The snapshot before the first bar."""
        n = len(self.symbols)
        state0 = np.asarray(self.mod.init_state(self.p), dtype=np.float64)
        return fresh_snapshot(
            new_book(n), new_account(self.cfg.cash), np.tile(state0, (n, 1)).reshape(n, -1),
            self.mod.features_init(self.p, n), market_state(n, self.cfg.stats_window),
        )  # fmt: skip

    def restore(self) -> EngineSnapshot:
        """The snapshot of the last committed bar (or a fresh one)."""
        with self.ledger.read() as r:
            saved = r.strategy_state(self.name)
        return self.fresh() if saved is None else EngineSnapshot.from_json(saved)

    # ------------------------------------------------------------------ per bar
    def _stats(self, snap: EngineSnapshot, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        n = len(self.symbols)
        if not self.with_stats:
            nan = np.full((1, n), np.nan)
            return nan, nan, nan
        sigma, adv = np.empty((1, n)), np.empty((1, n))
        mu = np.empty((1, n)) if self.with_mu else np.full((1, n), np.nan)
        close = np.ascontiguousarray(rows[:, 3].reshape(1, n))
        volume = np.ascontiguousarray(rows[:, 4].reshape(1, n))
        market_stats_pass(
            close, volume, self.cfg.stats_window, self.with_mu, snap.market, sigma, mu, adv
        )
        return sigma, mu, adv

    def _cost(self, s: int, sigma: float, adv: float) -> tuple[float, ...]:
        c = self.cvec
        return (
            c[lay.C_PARTICIPATION], self.costs[s, lay.K_SLIP_MODEL],
            self.costs[s, lay.K_SLIP_PARAM], sigma, adv,
            c[lay.C_FEE_PCT], c[lay.C_FEE_FIXED], c[lay.C_FEE_MIN],
        )  # fmt: skip

    def _request(self, o: np.void, cid: str, ts: int) -> OrderRequest:
        role = int(o["role"])
        return OrderRequest(
            client_id=cid, symbol=self.symbols[int(o["symbol"])], side=int(o["side"]),
            type=TYPE[int(o["type"])], qty=float(o["qty"]), limit_price=float(o["limit_price"]),
            stop_price=float(o["stop_price"]), tif=TIF[int(o["tif"])],
            reduce_only=role != rec.ROLE_ENTRY, priority=1 if role == rec.ROLE_ENTRY else 0, ts=ts,
        )  # fmt: skip

    def prepare(self, snap: EngineSnapshot, rows: np.ndarray) -> tuple[np.ndarray, tuple]:
        """Streaming features float64[1, S, K] and past-only stats of the new bar (advances
        the snapshot's feature and market state)."""
        n = len(self.symbols)
        feats = self.mod.features_step(self.p, snap.features, rows).reshape(1, n, -1)
        return np.ascontiguousarray(feats), self._stats(snap, rows)

    def simulate_bar(self, snap: EngineSnapshot, ts: int, rows: np.ndarray, feats, stats):
        """The core over one bar from the snapshot (advanced in place):
        ``(orders, this bar's fills, this bar's trades, (equity, exposure, targets, halt))``;
        ``orders`` holds every row id up to the new count (working and new rows filled in)."""
        n = len(self.symbols)
        book, acct = snap.book, snap.acct
        n_o, n_f0, n_t0 = (int(acct[k]) for k in (lay.A_N_ORDERS, lay.A_N_FILLS, lay.A_N_TRADES))
        room = 2 * ROOM_PER_SYMBOL * n
        orders = np.zeros(n_o + room, rec.order_dt)
        orders[snap.working["id"]] = snap.working
        fills, trades = rec.empty_fills(room), rec.empty_trades(room)
        acct[lay.A_N_FILLS] = acct[lay.A_N_TRADES] = 0.0  # this bar's records only
        res = (np.empty(1), np.empty(1), np.empty((1, n)), np.zeros(1, np.int8))
        price = tuple(np.ascontiguousarray(rows[:, i].reshape(1, n)) for i in range(5))
        day = np.array([ts // NS_PER_DAY], dtype=np.int64)
        stop = simulate(
            self.mod.decide, price, stats, day, feats, self.pvec, snap.state, self.cvec,
            self.costs, (orders, fills, trades, book, acct), res,
        )  # fmt: skip
        if stop != -1 or acct[lay.A_OVERFLOW] != 0.0:
            raise RuntimeError("simulator paused on a one-bar call (a bug)")
        nf, nt = int(acct[lay.A_N_FILLS]), int(acct[lay.A_N_TRADES])
        acct[lay.A_N_FILLS], acct[lay.A_N_TRADES] = n_f0 + nf, n_t0 + nt
        return orders, fills[:nf], trades[:nt], res

    def on_bar(self, ts: int, rows: np.ndarray, halt: str | None = None) -> BarOutcome:
        """Process one new bar (``rows[S, 5]`` open, high, low, close, volume; NaN = no bar).

        ``halt``: an operator HALT in force (``close`` or ``freeze``). On its first bar, after
        the core's step, every symbol is halted the core's way (``halt_symbol``: entries
        cancelled; with ``close`` the position gets a market exit that fills on the next
        bar) and the core's account HALT is latched, so ``decide`` opens nothing; the bar
        after the HALT is lifted restores the core's own code.
        """
        n = len(self.symbols)
        rows = np.ascontiguousarray(rows, dtype=np.float64).reshape(n, 5)
        snap, self._cache = self._cache or self.restore(), None  # dropped if this bar fails
        if snap.last_ts is not None and ts <= snap.last_ts:
            return BarOutcome(ts, skipped=True)  # already processed (or an old bar replayed)
        book, acct = snap.book, snap.acct
        if halt is None and snap.halt_prev is not None:  # resumed: the core trades again
            acct[lay.A_HALT], snap.halt_prev = float(snap.halt_prev), None
        feats, (sigma, mu, adv) = self.prepare(snap, rows)
        out = BarOutcome(ts)
        on_bar = getattr(self.broker, "on_bar", None)
        if on_bar is not None:  # the paper broker executes the bar itself
            bars = {sym: tuple(rows[s]) for s, sym in enumerate(self.symbols)}
            costs = {
                sym: self._cost(s, sigma[0, s], adv[0, s]) for s, sym in enumerate(self.symbols)
            }
            out.fills = on_bar(
                ts, bars, costs, self.symbols, self.at_close, clamp=self.cfg.clamp_slippage_to_bar
            )
        else:
            out.fills = [f for f in self.broker.fills_since(ts) if f.ts == ts]
        crash.point("after_broker_fill")  # broker has filled; positions not yet booked here
        n_o = int(acct[lay.A_N_ORDERS])
        before = {
            "pos": book[:, lay.B_POS].copy(), "cash": float(acct[lay.A_CASH]),
            "orders": {int(w["id"]): w.tobytes() for w in snap.working},
        }  # fmt: skip
        orders, fills, trades, res = self.simulate_bar(snap, ts, rows, feats, (sigma, mu, adv))
        tb = int(acct[lay.A_BAR0]) - 1
        if halt is not None and snap.halt_prev is None:
            snap.halt_prev = int(acct[lay.A_HALT])
            for s in range(n):
                halt_symbol(orders, book, acct, s, tb, halt == "close")
            acct[lay.A_HALT] = float(lay.HALT_DRAWDOWN)  # latched until the HALT is lifted
        cids = dict(zip(snap.working["id"].tolist(), snap.working_cids, strict=True))
        new_ids = list(range(n_o, int(acct[lay.A_N_ORDERS])))
        for i in new_ids:
            o = orders[i]
            intent = f"{ROLE[int(o['role'])]}:{int(o['side'])}:{i}"
            cids[i] = order_key(self.name, self.symbols[int(o["symbol"])], ts, intent)
        for i in new_ids:
            o = orders[i]
            if o["status"] != rec.STATUS_WORKING:
                continue  # refused by a risk limit in the core: recorded, never sent
            req = self._request(o, cids[i], ts)
            why = (
                self.validate(req, self._context(snap, int(o["symbol"]), ts))
                if self.validate
                else ""
            )
            if why:
                out.refused[cids[i]] = why
                o["status"], o["end_bar"] = rec.STATUS_REJECTED, tb
                sym = int(o["symbol"])
                for slot in lay.SLOTS:  # free its book slot (slots hold order rows)
                    if book[sym, slot] == float(i):
                        book[sym, slot] = -1.0
                continue
            self.broker.submit(req)
            out.submitted.append(cids[i])
            crash.point("broker_ack")  # acknowledged by the broker, not yet in the ledger
        for k, i in enumerate(snap.working["id"].tolist()):
            if orders[i]["status"] == rec.STATUS_WORKING:
                if orders[i]["qty"] != snap.working[k]["qty"]:  # e.g. an exit grown to cover
                    self.broker.modify(cids[i], qty=float(orders[i]["qty"]))
                    out.modified.append(cids[i])
            else:
                bo = self.broker.order(cids[i])
                if bo is not None and bo.status in st.OPEN:
                    self.broker.cancel(cids[i])
                    out.cancelled.append(cids[i])
        touched = [*snap.working["id"].tolist(), *new_ids]
        live_fills = self._fill_records(out.fills, cids, tb)
        out.discrepancies = reconcile_bar(
            fills, live_fills, {cids[i]: orders[i] for i in touched}, out.refused,
            self.broker, book, acct, self.symbols,
        )  # fmt: skip
        still = [i for i in touched if orders[i]["status"] == rec.STATUS_WORKING]
        snap.working = orders[still].copy()
        snap.working_cids = [cids[i] for i in still]
        snap.last_ts = ts
        changed = [i for i in touched if orders[i].tobytes() != before["orders"].get(i)]
        self._persist(ts, tb, snap, orders, new_ids, changed, cids, out, live_fills, trades, res,
                      before)  # fmt: skip
        self._cache = snap if self.keep_in_memory else None
        return out

    def _context(self, snap: EngineSnapshot, s: int, ts: int) -> AccountContext:
        """What the pre-trade pipeline needs to know at the decision (quote currency)."""
        book, acct = snap.book, snap.acct
        value = np.abs(book[:, lay.B_POS] * np.nan_to_num(book[:, lay.B_LAST_CLOSE]))
        return AccountContext(
            equity=float(acct[lay.A_EQUITY]), day_start_equity=float(acct[lay.A_DAY_START]),
            now_ns=ts, last_price=float(book[s, lay.B_LAST_CLOSE]),
            position=float(book[s, lay.B_POS]), gross_other=float(value.sum() - value[s]),
        )  # fmt: skip

    def _fill_records(self, fills: list[Fill], cids: dict[int, str], tb: int) -> np.ndarray:
        """The broker's fills as ``fill_dt`` records (bar, symbol index, core order id)."""
        ids = {c: i for i, c in cids.items()}
        out = rec.empty_fills(len(fills))
        for k, f in enumerate(fills):
            out[k] = (tb, self.symbols.index(f.symbol), ids.get(f.client_id, -1), f.side,
                      f.qty, f.price, f.fee, f.slippage)  # fmt: skip
        return out

    def _persist(
        self, ts, tb, snap, orders, new_ids, changed, cids, out, fills, trades, res, before
    ):
        """Write the bar in one ledger transaction (see the module docstring)."""
        write_bar(
            self, ts, tb, snap, orders, new_ids, changed, cids, out, fills, trades, res, before
        )
