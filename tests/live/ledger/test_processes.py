"""Real processes on one SQLite ledger: concurrent readers and a SIGKILLed writer."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import time
from decimal import Decimal

import pytest

from quant.live.ledger import Ledger
from tests.live.ledger import workers

pytestmark = pytest.mark.slow
ctx = mp.get_context("spawn")


def test_readers_never_see_partial_transactions_or_locked_errors(ledger_url: str) -> None:
    Ledger(ledger_url).close()  # migrate before the race starts
    stop, out = ctx.Event(), ctx.Queue()
    readers = [
        ctx.Process(target=workers.read_loop, args=(ledger_url, stop, out)) for _ in range(2)
    ]
    for p in readers:
        p.start()
    writer = ctx.Process(target=workers.write_batches, args=(ledger_url, 60))
    writer.start()
    writer.join(120)
    stop.set()
    results = [out.get(timeout=120) for _ in readers]
    for p in readers:
        p.join(30)

    assert writer.exitcode == 0
    assert len(Ledger(ledger_url).orders()) == 60 * workers.BATCH
    for res in results:
        assert res["errors"] == []
        assert res["bad"] == 0
        assert res["reads"] > 0


def test_sigkill_mid_transaction_leaves_only_committed_batches(ledger_url: str) -> None:
    inside = ctx.Event()
    writer = ctx.Process(target=workers.write_then_hang, args=(ledger_url, 3, inside))
    writer.start()
    assert inside.wait(120), "writer never reached the middle of its transaction"
    os.kill(writer.pid, signal.SIGKILL)
    writer.join(30)
    assert writer.exitcode == -signal.SIGKILL

    ledger = Ledger(ledger_url)  # restart
    n = 3 * workers.BATCH
    assert len(ledger.orders()) == n
    assert ledger.cash() == Decimal(n)
    assert [a["why"] for a in ledger.audit_trail(what="batch")] == ["test"] * 3
    with ledger.read() as r:
        assert r.conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    workers.write_batches(ledger_url, 1, start=3)  # the write lock is free again
    assert len(ledger.orders()) == n + workers.BATCH


@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_at_a_random_moment_leaves_a_consistent_ledger(ledger_url: str, seed: int) -> None:
    started = ctx.Event()
    writer = ctx.Process(target=workers.write_forever, args=(ledger_url, started))
    writer.start()
    assert started.wait(120)
    time.sleep(random.Random(seed).uniform(0.2, 1.0))
    os.kill(writer.pid, signal.SIGKILL)
    writer.join(30)

    ledger = Ledger(ledger_url)
    n = len(ledger.orders())
    assert n % workers.BATCH == 0
    assert ledger.cash() == (Decimal(n) if n else None)
    assert len(ledger.audit_trail(what="batch")) * workers.BATCH == n
    with ledger.read() as r:
        assert r.conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
