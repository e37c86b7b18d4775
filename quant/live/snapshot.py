"""The engine snapshot: everything the core needs to resume at the next bar, as exact JSON.

Stored as the ledger's strategy state (``quant.live.ledger.state_json``: arrays round-trip
bit for bit). Working order records travel as their raw ``order_dt`` bytes (a uint8 array),
with their client order ids alongside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from quant.core.records import order_dt


@dataclass
class EngineSnapshot:
    """book[S, N_BOOK], acct[N_ACCT], strategy state[S, N_STATE], streaming features[S, W],
    market-stat state (``market_state`` arrays), working orders and the last bar's ts."""

    book: np.ndarray
    acct: np.ndarray
    state: np.ndarray
    features: np.ndarray
    market: tuple[np.ndarray, ...]
    working: np.ndarray
    working_cids: list[str]
    last_ts: int | None = None
    #: the core's HALT code before an operator HALT was applied (None: none applied)
    halt_prev: int | None = None

    def to_json(self) -> dict[str, Any]:
        """A dict ``state_json`` stores exactly."""
        return {
            "book": self.book, "acct": self.acct, "state": self.state,
            "features": self.features, "market": list(self.market),
            "working": np.frombuffer(self.working.tobytes(), dtype=np.uint8),
            "working_cids": list(self.working_cids), "last_ts": self.last_ts,
            "halt_prev": self.halt_prev,
        }  # fmt: skip

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> EngineSnapshot:
        """The snapshot :meth:`to_json` wrote."""

        def arr(x: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(x)

        working = np.frombuffer(arr(d["working"]).astype(np.uint8).tobytes(), dtype=order_dt)
        return cls(
            arr(d["book"]), arr(d["acct"]), arr(d["state"]), arr(d["features"]),
            tuple(arr(x) for x in d["market"]), working.copy(), list(d["working_cids"]),
            d["last_ts"], d.get("halt_prev"),
        )  # fmt: skip


def fresh_snapshot(book, acct, state, features, market) -> EngineSnapshot:
    """The snapshot before the first bar (no working orders)."""
    return EngineSnapshot(
        np.ascontiguousarray(book), np.ascontiguousarray(acct), np.ascontiguousarray(state),
        np.ascontiguousarray(features), tuple(market), np.zeros(0, order_dt), [], None,
    )  # fmt: skip
