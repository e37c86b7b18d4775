"""May the live job trade now? One read of the ledger for the sensor, the job and the UI."""

from __future__ import annotations

from quant.live.ledger import Ledger


def blocked_reason(ledger: Ledger, strategy: str | None = None, halts: bool = True) -> str | None:
    """Why trading must not run now (a HALT of global/strategy scope, an open breaker), or None.

    ``halts=False`` asks about the breakers only (a HALT with ``close`` still runs to close out).

    A breaker whose cooldown has elapsed does not block: the next run makes the trial call
    that closes or re-opens it.
    """
    now = ledger.clock()
    with ledger.read() as r:
        scopes = ["global", strategy] if strategy else ["global"]
        rows = [r.halt(s) for s in scopes] if halts else []
        breakers = r.breakers()
    for h in rows:
        if h is not None and h["halted"]:
            return (
                f"HALTED ({h['scope']}, {h['code']}): {h['reason']} - complete "
                "'quant live recovery' and 'quant live resume'"
            )
    for b in breakers:
        if b["state"] == "open" and (b["retry_ns"] is None or now < b["retry_ns"]):
            wait = "" if b["retry_ns"] is None else f" for {(b['retry_ns'] - now) / 1e9:.0f} s"
            return f"circuit breaker '{b['name']}' is open{wait}"
    return None
