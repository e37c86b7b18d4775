"""Process bodies for the ledger concurrency tests (spawned, so importable by name)."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from quant.live.ledger import Ledger, NewOrder

BATCH = 5  # orders per transaction; cash always equals the number of committed orders


def _order(i: int) -> NewOrder:
    return NewOrder(f"o{i:06d}", "s", "AAPL", "buy", "market", Decimal(1), i)


def write_batches(url: str, n_batches: int, start: int = 0) -> None:
    """Commit ``n_batches`` transactions of BATCH orders, cash = orders so far."""
    ledger = Ledger(url)
    for b in range(start, start + n_batches):
        with ledger.transaction() as tx:
            for i in range(b * BATCH, (b + 1) * BATCH):
                tx.record_order(_order(i))
            tx.set_cash(Decimal((b + 1) * BATCH))
            tx.audit("writer", "batch", "test", batch=b)


def write_then_hang(url: str, committed: int, inside: Any) -> None:
    """Commit ``committed`` batches, then stop half way through the next one and wait."""
    write_batches(url, committed)
    ledger = Ledger(url)
    with ledger.transaction() as tx:
        for i in range(committed * BATCH, committed * BATCH + BATCH // 2):
            tx.record_order(_order(i))
        tx.audit("writer", "batch", "half")
        inside.set()
        time.sleep(120)  # killed here


def read_loop(url: str, stop: Any, out: Any) -> None:
    """Read snapshots until ``stop``; report reads, violations of the invariant and errors."""
    ledger = Ledger(url, migrate=False)
    reads, bad, errors = 0, 0, []
    while not stop.is_set() or reads == 0:
        try:
            with ledger.read() as r:
                n = len(r.orders())
                cash = r.cash()
                batches = len(r.audit_trail(what="batch"))
            if n % BATCH or Decimal(n) != (cash or Decimal(0)) or batches * BATCH != n:
                bad += 1
            reads += 1
        except Exception as err:  # reported to the test, which asserts there are none
            errors.append(repr(err))
    out.put({"reads": reads, "bad": bad, "errors": errors[:5]})


def claim_once(url: str, now_ns: int, out: Any) -> None:
    """Claim one signal in a fresh process at a fixed clock; report the verdict."""
    from quant.live.idempotency import IdempotencyGuard

    guard = IdempotencyGuard(Ledger(url, clock=lambda: now_ns))
    out.put(str(guard.claim("sma", "AAPL", 1_000, "enter_long").verdict))


def write_forever(url: str, started: Any) -> None:
    """Commit batches until killed (the kill lands at an arbitrary point)."""
    ledger = Ledger(url)
    started.set()
    b = 0
    while True:
        with ledger.transaction() as tx:
            for i in range(b * BATCH, (b + 1) * BATCH):
                tx.record_order(_order(i))
            tx.set_cash(Decimal((b + 1) * BATCH))
            tx.audit("writer", "batch", "test", batch=b)
        b += 1
