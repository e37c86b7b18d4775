"""The live ledger: orders, fills, positions, cash, state, risk state and the audit trail.

Where: ``QUANT_LEDGER`` (a SQLAlchemy URL, or a folder meaning ``sqlite:///<folder>/live.db``;
default ``data/ledger``). SQLite runs in WAL mode with a busy timeout, so the Dagster UI, the
CLI and notebooks read while the live job writes; Postgres works through the same code
(dialect-specific bits are all in ``dialect.py``). The schema is versioned (``migrations``).

API (timestamps int64 ns UTC; amounts ``Decimal``; state is JSON, NumPy arrays exact)::

    ledger = Ledger(url, clock=time.time_ns)        # or Ledger.from_settings(); migrates
    with ledger.transaction() as tx:                # BEGIN IMMEDIATE ... COMMIT, all or nothing
        tx.record_order(NewOrder(...)) -> bool      # False: client order id already there
        tx.update_order(coid, status=, broker_order_id=, reason=, **prices/qty)
        tx.record_fill(fill_id, coid, qty, price, fee, ts) -> bool   # False: fill_id known
        tx.set_position(strategy, symbol, qty, avg_price); tx.set_cash(amount, account=)
        tx.save_strategy_state(strategy, state, bar_ts=)
        tx.save_feature_state(strategy, symbol, state, bar_ts=)
        tx.audit(who, what, why, **detail)          # append-only (UPDATE/DELETE refused)
        tx.record_validation_failure(order, stage, reason)
        tx.put_row(risk_table, values)              # used by halt / breaker / idempotency
        # ... and every read below, seeing the transaction's own writes
    with ledger.read() as r:                        # consistent snapshot, never blocks
        r.orders(strategy=, symbol=, status=) r.order(coid) r.fills(client_order_id=, strategy=)
        r.positions(strategy) r.position(strategy, symbol) r.cash(account)
        r.strategy_state(s) r.feature_state(s, sym) r.state_bar_ts(s, sym=None)
        r.audit_trail(what=, limit=) r.halt(scope) r.halts() r.recovery_steps(scope, episode)
        r.breaker(name) r.breakers() r.idempotency_key(key) r.symbol_mark(s, sym)
        r.validation_failures(strategy)
    ledger.orders(...), ledger.fills(...), ledger.positions(), ledger.cash(), ledger.audit_trail()

Around it: ``quant.live.idempotency`` (keys, duplicates, replays), ``quant.live.breaker``
(persisted circuit breaker), ``quant.live.halt`` (HALT switch, recovery checklist),
``quant.live.gate.blocked_reason`` (HALT / open breaker: may a run trade now?),
``quant.live.pretrade.check_order`` (validation, failures recorded).

Nested ``transaction()`` calls on one thread join the outer one (SAVEPOINT). Call brokers
outside a write transaction: SQLite has one writer at a time.
"""

from quant.live.ledger.ledger import Ledger, LedgerUnavailable
from quant.live.ledger.migrations import LATEST as SCHEMA_VERSION
from quant.live.ledger.migrations import LedgerSchemaError
from quant.live.ledger.reads import LedgerReader
from quant.live.ledger.tx import LedgerError, LedgerTx
from quant.risk.orders import OPEN_STATUSES, ORDER_STATUSES, NewOrder

__all__ = [
    "OPEN_STATUSES",
    "ORDER_STATUSES",
    "SCHEMA_VERSION",
    "Ledger",
    "LedgerError",
    "LedgerReader",
    "LedgerSchemaError",
    "LedgerTx",
    "LedgerUnavailable",
    "NewOrder",
]
