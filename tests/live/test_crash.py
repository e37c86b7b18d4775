"""Crash injection: a replay process SIGKILLed at kill points recovers with nothing lost or doubled.

Kill points: after the broker acknowledged an order but before the ledger write, between
the broker's fill and the position update (before the core books it, and inside the
ledger transaction), in the middle of reconciliation, just before the commit; then
seeded random points. One chain of real processes in one folder: each run resumes from the
ledger and is killed at its point; a last run finishes. The final ledger, engine records
and paper broker must equal an uninterrupted run's, and before each restart
reconciliation must see what the crash left at the broker.
"""

import os
import random
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from quant.live.broker.paper import PaperBroker
from quant.live.ledger import Ledger
from quant.live.persist import read_records
from quant.live.reconcile import reconcile
from tests.live import crash_worker

ROOT = Path(__file__).resolve().parents[2]
POINTS = ["broker_ack", "after_broker_fill", "fill_before_position", "mid_reconcile",
          "before_commit"]  # fmt: skip


def _worker(workdir: Path, kill_at: str | None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "QUANT_LIVE_KILL_AT"}
    if kill_at:
        env["QUANT_LIVE_KILL_AT"] = kill_at
    proc = subprocess.run(
        [sys.executable, "-m", "tests.live.crash_worker", str(workdir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode in (0, -signal.SIGKILL), proc.stderr[-2000:]
    return proc.returncode


def _state(workdir: Path) -> dict:
    ledger = Ledger(f"sqlite:///{workdir / 'live.db'}")
    broker = PaperBroker(workdir / "broker.db")
    try:
        recs = read_records(ledger, "rsi_mean_reversion", 1)
        orders = [(o["client_order_id"], o["status"], o["filled_qty"], o["qty"], o["bar_ts"])
                  for o in ledger.orders()]  # fmt: skip
        fills = [(f["fill_id"], f["qty"], f["price"], f["fee"], f["ts"]) for f in ledger.fills()]
        b_orders = [(o.client_id, o.status, o.filled_qty) for o in broker.orders()]
        b_fills = [(f.fill_id, f.qty, f.price, f.fee) for f in broker.fills_since(0)]
        acct = broker.account()
        return {
            "records": {k: v.tobytes() for k, v in recs.items()},
            "orders": sorted(orders), "fills": sorted(fills), "broker_orders": b_orders,
            "broker_fills": b_fills, "cash": acct.cash, "positions": acct.positions,
            "ledger_cash": ledger.cash("rsi_mean_reversion"),
        }  # fmt: skip
    finally:
        broker.close()
        ledger.close()


def test_sigkill_at_each_point_then_restart_equals_an_uninterrupted_run(tmp_path):
    crash_worker.main(str(tmp_path / "reference"))
    want = _state(tmp_path / "reference")
    assert len(want["broker_fills"]) > len(want["broker_orders"]) > 4
    rng = random.Random(12)
    chain = [f"{p}@{n}" for p, n in zip(POINTS, (2, 9, 3, 1, 40), strict=True)]
    chain += [f"{rng.choice(POINTS)}@{rng.randint(1, 6)}" for _ in range(2)]  # random points
    work = tmp_path / "crashy"
    seen = set()
    for kill_at in chain:
        assert _worker(work, kill_at) == -signal.SIGKILL, f"{kill_at} was never reached"
        ledger = Ledger(f"sqlite:///{work / 'live.db'}")
        broker = PaperBroker(work / "broker.db")
        positions = {p["symbol"]: Decimal(p["qty"]) for p in ledger.positions()}
        seen |= {d.kind for d in reconcile(ledger.orders(), positions, broker)}
        broker.close()
        ledger.close()
    assert "unknown_order" in seen  # an acknowledged order the ledger had not written yet
    assert _worker(work, None) == 0
    got = _state(work)
    for key, value in want.items():
        assert got[key] == value, key
    ids = [o[0] for o in got["broker_orders"]]
    assert len(ids) == len(set(ids))  # no order sent twice
