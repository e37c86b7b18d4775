"""The order state machine shared by every broker: legal transitions, and a clear error otherwise.

``new -> accepted | rejected``; ``accepted -> partially_filled | filled | cancelled |
rejected | expired``; ``partially_filled -> partially_filled | filled | cancelled | expired``.
``filled``, ``cancelled``, ``rejected`` and ``expired`` are terminal. A broker may reject an
accepted order when it cannot execute it (the paper broker: no buying power at the fill).
"""

from __future__ import annotations

from quant.errors import QuantError

NEW, ACCEPTED, PARTIAL = "new", "accepted", "partially_filled"
FILLED, CANCELLED, REJECTED, EXPIRED = "filled", "cancelled", "rejected", "expired"
OPEN = frozenset({ACCEPTED, PARTIAL})
TERMINAL = frozenset({FILLED, CANCELLED, REJECTED, EXPIRED})
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({ACCEPTED, REJECTED}),
    ACCEPTED: frozenset({PARTIAL, FILLED, CANCELLED, REJECTED, EXPIRED}),
    PARTIAL: frozenset({PARTIAL, FILLED, CANCELLED, EXPIRED}),
    **{t: frozenset() for t in TERMINAL},
}


class IllegalTransition(QuantError):
    """An order was asked to move between two states the state machine does not connect."""


def transition(client_id: str, current: str, target: str) -> str:
    """``target`` if ``current -> target`` is legal, else :class:`IllegalTransition`."""
    if current not in TRANSITIONS:
        raise IllegalTransition(f"order {client_id}: unknown state {current!r}")
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (terminal)"
        raise IllegalTransition(
            f"order {client_id}: illegal transition {current} -> {target} (allowed: {allowed})"
        )
    return target
