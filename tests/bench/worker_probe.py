"""What a spawned optimiser worker pays before its first backtest (imported by the child only).

``probe`` is the target of a freshly spawned process: by the time it runs, the child has
started an interpreter, re-imported the parent's main script and unpickled the factory (which
imports the factory's module); it then times ``build()`` and two evaluations.
"""

from __future__ import annotations

import time
from typing import Any


def probe(factory: Any, conn: Any, params: list[dict[str, Any]]) -> None:
    """Send wall-clock stamps (time.time) of each step of a worker's start back over ``conn``."""
    start = time.time()
    evaluate = factory.build()
    built = time.time()
    evaluate(params[0], None)
    first = time.time()
    evaluate(params[1], None)
    conn.send({"start": start, "built": built, "first": first, "second": time.time()})
    conn.close()
