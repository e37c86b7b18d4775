"""Real processes on one ledger (SQLite file, Postgres server): concurrent readers and a
SIGKILLed writer."""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import signal
import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import text

from quant.live.halt import HaltSwitch
from quant.live.ledger import Ledger
from tests.live.backends import sqlite_only
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
    _assert_integrity(ledger)
    workers.write_batches(ledger_url, 1, start=3)  # the write lock is free again
    assert len(ledger.orders()) == n + workers.BATCH


@sqlite_only  # on Postgres the server rolls back a dead client: the test above proves it
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
    _assert_integrity(ledger)


def test_a_halt_from_another_writer_lands_while_the_live_job_writes(ledger_url: str) -> None:
    Ledger(ledger_url).close()
    writer = ctx.Process(target=workers.write_batches, args=(ledger_url, 40))
    writer.start()
    switch = HaltSwitch(Ledger(ledger_url))
    while len(switch.ledger.orders()) == 0:  # the job is writing
        time.sleep(0.01)
    action = switch.halt("manual", "operator pressed the button", who="alice")
    writer.join(120)

    assert writer.exitcode == 0 and action.new
    ledger = Ledger(ledger_url)
    assert len(ledger.orders()) == 40 * workers.BATCH
    assert HaltSwitch(ledger).halted


def test_threads_sharing_one_ledger_commit_without_losing_writes(ledger_url: str) -> None:
    ledger = Ledger(ledger_url)

    def work(t: int) -> None:
        for i in range(20):
            with ledger.transaction() as tx:
                tx.audit(f"thread{t}", "tick", "test", i=i)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    trail = ledger.audit_trail("tick")
    assert len(trail) == 80
    assert {a["who"] for a in trail} == {f"thread{t}" for t in range(4)}


def _assert_integrity(ledger: Ledger) -> None:
    """SQLite: the file passes ``integrity_check``. Postgres: the server ends the dead
    writer's session (its transaction rolled back) within seconds."""
    if ledger.engine.dialect.name == "sqlite":
        with ledger.read() as r:
            assert r.conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        return
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND state LIKE 'idle in transaction%'"
    )
    deadline = time.monotonic() + 30
    while True:
        with ledger.read() as r:  # a new snapshot of the server's sessions each time
            left = r.conn.execute(query).scalar()
        if left == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert left == 0
