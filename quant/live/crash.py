"""Kill points for crash-injection tests: ``QUANT_LIVE_KILL_AT=<point>@<n>`` SIGKILLs the process.

The engine calls :func:`point` at the places a real crash hurts most (after the broker
acknowledged an order but before the ledger commit, between a fill and the position update,
in the middle of reconciliation). With the variable unset a point costs one dict lookup.
``<n>`` counts hits of that point within the process, from 1.
"""

from __future__ import annotations

import os
import signal

_hits: dict[str, int] = {}


def point(name: str) -> None:
    """SIGKILL this process if ``QUANT_LIVE_KILL_AT`` names this point and hit number."""
    spec = os.environ.get("QUANT_LIVE_KILL_AT")
    if not spec:
        return
    target, _, nth = spec.partition("@")
    if target != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
