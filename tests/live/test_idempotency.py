"""Idempotency keys: duplicates inside the window, replays, persistence across restarts."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from quant.live.idempotency import IdempotencyGuard, Verdict, order_key
from quant.live.ledger import Ledger
from tests.live.ledger import workers


def test_order_key_is_deterministic_and_separates_every_field() -> None:
    base = order_key("sma", "AAPL", 1_000, "enter_long")
    assert base == order_key("sma", "AAPL", 1_000, "enter_long")
    variants = {
        order_key("rsi", "AAPL", 1_000, "enter_long"),
        order_key("sma", "MSFT", 1_000, "enter_long"),
        order_key("sma", "AAPL", 1_001, "enter_long"),
        order_key("sma", "AAPL", 1_000, "exit"),
        order_key("sm", "aAAPL", 1_000, "enter_long"),  # no ambiguity from concatenation
    }
    assert base not in variants and len(variants) == 5 and len(base) == 32


def test_duplicate_inside_window_is_counted_and_not_executed(ledger: Ledger, clock) -> None:
    guard = IdempotencyGuard(ledger, window_s=300)
    first = guard.claim("sma", "AAPL", 1_000, "enter_long")
    clock.advance(60)
    second = guard.claim("sma", "AAPL", 1_000, "enter_long")
    clock.advance(200)
    third = guard.claim("sma", "AAPL", 1_000, "enter_long")

    assert first.execute and first.verdict is Verdict.ACCEPTED
    assert (second.verdict, second.count, second.execute) == (Verdict.DUPLICATE, 1, False)
    assert (third.verdict, third.count) == (Verdict.DUPLICATE, 2)
    with ledger.read() as r:
        assert r.idempotency_key(first.key)["duplicates"] == 2


def test_same_key_after_the_window_is_rejected_as_replay(ledger: Ledger, clock) -> None:
    guard = IdempotencyGuard(ledger, window_s=300)
    guard.claim("sma", "AAPL", 1_000, "enter_long")
    clock.advance(301)
    late = guard.claim("sma", "AAPL", 1_000, "enter_long")
    assert (late.verdict, late.execute) == (Verdict.REPLAY, False)


def test_message_older_than_last_processed_bar_is_rejected_per_symbol(ledger: Ledger) -> None:
    guard = IdempotencyGuard(ledger)
    assert guard.claim("sma", "AAPL", 2_000, "enter_long").execute
    old = guard.claim("sma", "AAPL", 1_000, "exit")
    assert (old.verdict, old.count) == (Verdict.REPLAY, 1)
    assert guard.claim("sma", "MSFT", 1_000, "exit").execute  # other symbol: own order
    assert guard.claim("sma", "AAPL", 2_000, "exit").execute  # second intent on the same bar
    assert guard.claim("sma", "AAPL", 3_000, "exit").execute
    with ledger.read() as r:
        mark = r.symbol_mark("sma", "AAPL")
    assert (mark["last_bar_ts"], mark["replays"]) == (3_000, 1)


def test_claims_roll_back_with_the_run_that_made_them(ledger: Ledger) -> None:
    guard = IdempotencyGuard(ledger)
    with pytest.raises(RuntimeError), ledger.transaction():
        assert guard.claim("sma", "AAPL", 1_000, "enter_long").execute
        raise RuntimeError("run failed before the order was sent")
    assert guard.claim("sma", "AAPL", 1_000, "enter_long").execute


@pytest.mark.slow
def test_keys_survive_a_process_restart(ledger_url: str, clock) -> None:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    p = ctx.Process(target=workers.claim_once, args=(ledger_url, clock.ns, out))
    p.start()
    assert out.get(timeout=120) == "accepted"
    p.join(30)

    clock.advance(10)
    again = IdempotencyGuard(Ledger(ledger_url, clock=clock)).claim(
        "sma", "AAPL", 1_000, "enter_long"
    )
    assert again.verdict is Verdict.DUPLICATE


def test_window_must_be_positive(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="positive"):
        IdempotencyGuard(ledger, window_s=0)


def test_prune_drops_only_keys_the_marks_cover(ledger: Ledger, clock) -> None:
    guard = IdempotencyGuard(ledger, window_s=300)
    old = guard.claim("sma", "AAPL", 1_000, "enter_long")
    newest = guard.claim("sma", "AAPL", 2_000, "exit")
    other = guard.claim("sma", "MSFT", 1_000, "enter_long")  # newest bar of MSFT
    assert guard.prune() == 0  # still inside the window
    clock.advance(301)
    assert guard.prune() == 1
    with ledger.read() as r:
        assert r.idempotency_key(old.key) is None
        assert r.idempotency_key(newest.key) and r.idempotency_key(other.key)
    assert guard.claim("sma", "AAPL", 1_000, "enter_long").verdict is Verdict.REPLAY
    assert guard.claim("sma", "MSFT", 1_000, "enter_long").verdict is Verdict.REPLAY
