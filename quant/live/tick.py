"""One live tick: which bars to trade next (the sensor's half) and trading them (the job's).

``plan_tick`` is what the Dagster sensor evaluates and ``quant live start`` loops over: may
the strategy trade (``gate.blocked_reason``: HALT, open breaker)? which new bars did the feed
deliver after the cursor? is the feed stale (``feeds.stale_trigger`` -> HALT ``stale_data``)?
It returns the bars to run, each with its ``run_key`` (``idempotency.run_key``), or a skip
reason. ``run_until`` is the live job: restore the engine from the ledger and feed it every
stored bar after its last one up to the target bar (normally exactly one), through
``LiveEngine.on_bar`` (streaming features -> decide -> pre-trade validation -> paper broker
-> reconcile -> one ledger transaction per bar). Catching up on missed bars keeps a failed
run from losing a bar; a bar already in the ledger is skipped, never traded twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from quant.backtest.config import BacktestConfig
from quant.config import load_settings
from quant.core.sim import layout as lay
from quant.data.store import DatasetStore
from quant.errors import QuantError
from quant.live.engine import BarOutcome, LiveConfigError, LiveEngine
from quant.live.feeds import Feed, InboxFeed, ReplayFeed, read_bars, rows_at, stale_trigger
from quant.live.feeds.base import to_bars
from quant.live.gate import blocked_reason
from quant.live.halt import HaltSwitch
from quant.live.idempotency import run_key
from quant.live.ledger import OPEN_STATUSES, Ledger
from quant.live.snapshot import EngineSnapshot
from quant.live.status import live_status
from quant.live.validate import pretrade_validator
from quant.risk.instruments import InstrumentRules, MarketHours
from quant.risk.validation import ValidationConfig


@dataclass(frozen=True)
class LiveSpec:
    """What runs live: strategy, params, symbols, the feed and where state lives."""

    strategy: str
    symbols: tuple[str, ...]
    dataset: str = "bars_1d"
    version: int | None = None  # replay feed: the pinned version (None: latest when started)
    feed: str = "replay"  # replay | inbox
    inbox: str = ""  # inbox feed: the folder bar files are dropped into
    params: dict[str, Any] = field(default_factory=dict)
    cash: float = 100_000.0
    staleness_s: float = 0.0  # HALT after this long without a new bar (0: off)
    hours: MarketHours = field(default_factory=MarketHours)  # when bars are due, orders may go
    validate: bool = True  # run the pre-trade pipeline on every order
    lake: str = ""  # empty: QUANT_LAKE
    ledger: str = ""  # empty: QUANT_LEDGER (URL or folder)

    @property
    def name(self) -> str:
        """The engine's name in the ledger (the strategy)."""
        return self.strategy

    def sorted_symbols(self) -> tuple[str, ...]:
        """The symbols in the engine's (and the backtest's) order."""
        return tuple(sorted(set(self.symbols)))

    def config(self) -> BacktestConfig:
        """The engine configuration (backtest defaults with this cash)."""
        return BacktestConfig(cash=self.cash)

    def open_store(self) -> DatasetStore:
        """The lake's dataset store."""
        s = load_settings()
        return DatasetStore(self.lake or s.lake, lock_timeout_s=s.lock_timeout_s)

    def open_ledger(self, clock: Callable[[], int] | None = None) -> Ledger:
        """The ledger (migrated on open)."""
        url = load_settings(**({"ledger": self.ledger} if self.ledger else {})).ledger_url()
        return Ledger(url, clock=clock) if clock else Ledger(url)

    def make_feed(self, store: DatasetStore, pinned: int | None = None) -> Feed:
        """The configured feed over ``store`` (replay: ``version``, else ``pinned``, else the
        latest version, which the cursor then keeps)."""
        if self.feed == "replay":
            v = self.version if self.version is not None else pinned
            return ReplayFeed(store, self.dataset, self.symbols, v, step=None)
        if self.feed == "inbox":
            if not self.inbox:
                raise LiveConfigError("the inbox feed needs a folder (inbox)")
            return InboxFeed(store, self.inbox, self.dataset, self.symbols)
        raise LiveConfigError(f"unknown feed {self.feed!r}: replay or inbox")


@dataclass(frozen=True)
class Cursor:
    """The sensor's memory: the last bar handed out and when a new bar last arrived (ns)."""

    last_ts: int | None = None
    arrived_ns: int | None = None
    version: int | None = None  # the dataset version the replay feed pinned

    def dumps(self) -> str:
        """As the sensor's cursor string."""
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: str | None) -> Cursor:
        """From a cursor string (None or empty: the start)."""
        return cls(**json.loads(text)) if text else cls()


@dataclass(frozen=True)
class TickPlan:
    """What a tick decided: bars to run (ts, run_key; oldest first), or why it skips."""

    runs: list[tuple[int, str]]
    version: int | None
    cursor: Cursor
    skip: str | None = None


def halt_in_force(ledger: Ledger, strategy: str) -> tuple[str | None, str]:
    """The action (``close`` / ``freeze``) and reason of the HALT on ``strategy`` (its own
    scope, else global), or ``(None, "")``."""
    with ledger.read() as r:
        for scope in (strategy, "global"):
            h = r.halt(scope)
            if h is not None and h["halted"]:
                return h["action"], f"HALTED ({scope}, {h['code']}): {h['reason']}"
    return None, ""


def closed_out(ledger: Ledger, strategy: str) -> bool:
    """True when ``strategy`` is flat and has no open order in the ledger."""
    with ledger.read() as r:
        flat = all(p["qty"] == 0 for p in r.positions(strategy))
        return flat and not r.orders(strategy=strategy, status=list(OPEN_STATUSES))


def gate(ledger: Ledger, strategy: str) -> tuple[str | None, str | None]:
    """``(halt action the engine must apply, reason not to run)``: a HALT with ``freeze``, or
    ``close`` once flat with no open order, or an open breaker, stops runs; a ``close`` HALT
    still runs (the engine closes out) until then."""
    action, why = halt_in_force(ledger, strategy)
    if action is not None and (action != "close" or closed_out(ledger, strategy)):
        return action, why + " - complete 'quant live recovery' and 'quant live resume'"
    return action, blocked_reason(ledger, strategy, halts=False)


def plan_tick(
    spec: LiveSpec,
    ledger: Ledger,
    feed: Feed,
    cursor: Cursor,
    now_ns: int,
    max_runs: int | None = 1,
) -> TickPlan:
    """The next bars to trade after ``cursor`` (at most ``max_runs``), or a skip reason."""
    _, why = gate(ledger, spec.name)
    if why:
        return TickPlan([], None, cursor, why)
    try:
        poll = feed.poll(cursor.last_ts)
    except QuantError as err:  # a feed failure is an API error (a HALT input)
        HaltSwitch(ledger, scope=spec.name).record_api_error("feed", str(err))
        return TickPlan([], None, cursor, f"feed error: {err}")
    stamps = poll.timestamps[:max_runs]
    if not stamps:
        stale = stale_trigger(cursor.arrived_ns, now_ns, spec.staleness_s, spec.hours)
        if stale is not None:
            HaltSwitch(ledger, scope=spec.name).halt(stale.code, stale.reason, "feed")
            return TickPlan([], poll.version, cursor, f"HALTED ({spec.name}, {stale.code}): "
                            f"{stale.reason}")  # fmt: skip
        return TickPlan([], poll.version, cursor, f"no new bar after {cursor.last_ts}")
    runs = [(ts, run_key(spec.name, spec.sorted_symbols(), ts)) for ts in stamps]
    return TickPlan(runs, poll.version, Cursor(stamps[-1], now_ns, poll.version))


#: The core's quantities are floats: the pipeline checks them against a micro lot and tick
#: (engine docstring: rounding is checked, not applied) unless a symbol has its own rules.
FINE = InstrumentRules(tick_size=Decimal("0.000001"), lot_size=Decimal("0.000001"))


def validation_config(spec: LiveSpec) -> ValidationConfig:
    """The pre-trade pipeline's rules: default limits, fine instrument rules per symbol, the
    spec's market hours."""
    return ValidationConfig(
        instruments=dict.fromkeys(spec.sorted_symbols(), FINE), hours=spec.hours
    )


def make_engine(spec: LiveSpec, ledger: Ledger, broker: Any) -> LiveEngine:
    """The strategy's live engine over ``ledger`` and ``broker`` (restores every run)."""
    cfg = validation_config(spec)
    validate = pretrade_validator(ledger, cfg, spec.name) if spec.validate else None
    return LiveEngine(spec.strategy, spec.sorted_symbols(), ledger, broker, spec.params,
                      spec.config(), spec.name, validate, keep_in_memory=False)  # fmt: skip


def paper_broker_path(ledger: Ledger) -> Path:
    """The paper broker's file beside the ledger."""
    from quant.live.cli_engine import default_broker_path

    return default_broker_path(ledger.url)


def run_until(
    spec: LiveSpec, until_ts: int, version: int, ledger: Ledger, store: DatasetStore
) -> list[BarOutcome]:
    """Trade every stored bar after the ledger's last one up to ``until_ts`` (the live job)."""
    from quant.live.broker.paper import PaperBroker

    halt, why = gate(ledger, spec.name)
    if why:
        return []  # HALTED (freeze, or closed out) or a breaker open: nothing runs
    broker = PaperBroker(paper_broker_path(ledger), spec.cash)
    try:
        engine = make_engine(spec, ledger, broker)
        after = engine.restore().last_ts
        symbols = engine.symbols
        bars = to_bars(read_bars(store, spec.dataset, symbols, version, after, until_ts))
        stamps = sorted({b.ts for b in bars})
        return [engine.on_bar(ts, rows_at(bars, symbols, ts), halt) for ts in stamps]
    finally:
        broker.close()


def live_summary(ledger: Ledger, strategy: str, cash0: float) -> dict[str, Any]:
    """Positions, cash, equity, P&L (quote currency), last bar and HALT state for the UI."""
    st = live_status(ledger)
    with ledger.read() as r:
        saved = r.strategy_state(strategy)
        positions = r.positions(strategy)
        cash = r.cash(strategy)
        orders = r.orders(strategy=strategy)
    snap = EngineSnapshot.from_json(saved) if saved is not None else None
    equity = float(snap.acct[lay.A_EQUITY]) if snap is not None else cash0
    return {
        "strategy": strategy,
        "last_bar_ts": snap.last_ts if snap is not None else None,
        "equity": equity,
        "pnl": equity - cash0,
        "cash": None if cash is None else str(cash),
        "positions": {p["symbol"]: str(p["qty"]) for p in positions if p["qty"] != 0},
        "orders": len(orders),
        "open_orders": st["open_orders"],
        "halted": st["halted"],
        "blocked": st["blocked"] or "",
    }
