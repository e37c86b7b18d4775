"""Idempotent signals: a deterministic key per (strategy, symbol, bar, intent), kept in the ledger.

Every signal and order carries ``order_key(strategy, symbol, bar_ts, intent)`` (also its
client order id). ``IdempotencyGuard.claim`` decides, inside a ledger transaction, whether
to execute it:

* ``accepted``  — first sighting: the key is stored and the symbol's mark moves to bar_ts;
* ``duplicate`` — the key was first seen less than ``window_s`` ago (default 5 minutes):
  counted on the key, not executed;
* ``replay``    — a bar older than the newest bar already processed for (strategy, symbol),
  or a known key seen longer ago than the window: counted on the symbol's mark, not
  executed. Several intents on the same bar (exit then entry) are all accepted.

Keys and marks live in the ledger, so they survive restarts; the claim joins the caller's
transaction, so a run that rolls back also forgets its claims.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select

from quant.live.ledger import Ledger, schema
from quant.log import get_logger

log = get_logger("quant.live.idempotency")

DEFAULT_WINDOW_S = 300.0


class Verdict(StrEnum):
    """What to do with a signal."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    REPLAY = "replay"


@dataclass(frozen=True)
class Claim:
    """Outcome of :meth:`IdempotencyGuard.claim`; ``execute`` is True only when accepted."""

    key: str
    verdict: Verdict
    count: int  # duplicates of this key (duplicate) or replays of this symbol (replay)

    @property
    def execute(self) -> bool:
        """True when the signal is new and may be acted on."""
        return self.verdict is Verdict.ACCEPTED


def order_key(strategy: str, symbol: str, bar_ts: int, intent: str) -> str:
    """Deterministic client order id: 32 hex chars of SHA-256 over the four fields."""
    raw = "\x1f".join((strategy, symbol, str(int(bar_ts)), intent))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


class IdempotencyGuard:
    """Detects duplicate and replayed signals against the keys stored in the ledger."""

    def __init__(self, ledger: Ledger, window_s: float = DEFAULT_WINDOW_S) -> None:
        if window_s <= 0:
            raise ValueError("idempotency window must be positive")
        self.ledger = ledger
        self.window_ns = int(window_s * 1e9)

    def claim(self, strategy: str, symbol: str, bar_ts: int, intent: str) -> Claim:
        """Record the signal if new; say whether it is new, a duplicate or a replay."""
        key = order_key(strategy, symbol, bar_ts, intent)
        with self.ledger.transaction() as tx:
            now = tx.now()
            seen = tx.idempotency_key(key)
            if seen is not None and now - seen["first_seen_ns"] <= self.window_ns:
                count = seen["duplicates"] + 1
                tx.put_row("idempotency_keys", {**seen, "duplicates": count, "last_seen_ns": now})
                log.warning("duplicate signal", key=key, strategy=strategy, symbol=symbol,
                            bar_ts=bar_ts, intent=intent, duplicates=count)  # fmt: skip
                return Claim(key, Verdict.DUPLICATE, count)
            mark = tx.symbol_mark(strategy, symbol)
            if seen is not None or (mark is not None and bar_ts < mark["last_bar_ts"]):
                count = (mark["replays"] if mark else 0) + 1
                last = mark["last_bar_ts"] if mark else bar_ts
                tx.put_row("symbol_marks", {"strategy": strategy, "symbol": symbol,
                                            "last_bar_ts": last, "replays": count,
                                            "updated_ns": now})  # fmt: skip
                log.warning("replayed signal rejected", key=key, strategy=strategy,
                            symbol=symbol, bar_ts=bar_ts, last_bar_ts=last)  # fmt: skip
                return Claim(key, Verdict.REPLAY, count)
            tx.put_row("idempotency_keys", {"key": key, "strategy": strategy, "symbol": symbol,
                                            "bar_ts": bar_ts, "intent": intent,
                                            "first_seen_ns": now, "last_seen_ns": now,
                                            "duplicates": 0})  # fmt: skip
            tx.put_row("symbol_marks", {"strategy": strategy, "symbol": symbol,
                                        "last_bar_ts": bar_ts,
                                        "replays": mark["replays"] if mark else 0,
                                        "updated_ns": now})  # fmt: skip
            return Claim(key, Verdict.ACCEPTED, 0)

    def prune(self) -> int:
        """Delete keys the marks already cover (older bar, past the window); the count deleted.

        A key of the newest bar of its symbol is kept: without it a late duplicate of that
        bar would look new.
        """
        k, m = schema.idempotency_keys, schema.symbol_marks
        newer_mark = (
            select(m.c.last_bar_ts)
            .where(m.c.strategy == k.c.strategy, m.c.symbol == k.c.symbol)
            .scalar_subquery()
        )
        with self.ledger.transaction() as tx:
            cutoff = tx.now() - self.window_ns
            res = tx.conn.execute(
                delete(k).where(k.c.first_seen_ns < cutoff, k.c.bar_ts < newer_mark)
            )
            return int(res.rowcount or 0)


def run_key(strategy: str, symbols: tuple[str, ...] | list[str], bar_ts: int) -> str:
    """The live run of one bar: a stable key from strategy, symbol set and bar ts (a Dagster
    ``run_key``), so a re-evaluated sensor or a restarted daemon never starts it twice."""
    return "live-" + order_key(strategy, ",".join(sorted(symbols)), bar_ts, "run")
