"""Per-dataset writer lock: flock (released by the kernel when a holder dies) + a holder file.

* ``<lock_dir>/<name>.lock`` is flock-ed through ``filelock``; ``<name>.holder.json`` says who
  holds it (pid, host, thread, operation, since). A holder file left behind by a process
  that died while holding the lock is detected at the next acquisition, logged and counted
  as a stale-lock recovery (the kernel has already released the flock itself).
* Timeouts are enforced by polling non-blocking attempts; a ``LockTimeout`` names the holder.
* Re-entrant per thread: a store write inside ``with store.lock(name).hold(...)`` in the same
  thread runs under the outer hold (so several writes can form one critical section).
* Priority (rollback, HALT-related writes): a priority waiter drops a ticket into
  ``<name>.priority/``; normal writers do not take the lock while a live ticket exists, and
  give the lock back if they grabbed it in the instant a ticket appeared.
* Metrics (acquisitions, contended acquisitions, timeouts, stale recoveries, wait and hold
  times) are kept per dataset in ``<name>.metrics.json``, updated under a small lock.
Readers never touch any of this.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from filelock import FileLock, Timeout

from quant.data.store.errors import LockTimeout
from quant.log import get_logger

log = get_logger(__name__)
HOST = socket.gethostname()
_POLL_S = 0.005
_POLL_MAX_S = 0.05


def write_json_atomic(path: Path, obj: Any) -> None:
    """Write JSON to ``path`` via a temp file + rename (readers see old or new, never half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(obj, sort_keys=True, indent=1, default=str))
    os.replace(tmp, path)


def read_json(path: Path, default: Any = None) -> Any:
    """Parsed JSON at ``path``, or ``default`` if the file is absent."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default


_local = threading.local()


def _held_by_thread() -> dict[str, int]:
    """Lock files this thread holds, with nesting depth (makes ``hold`` re-entrant)."""
    if not hasattr(_local, "held"):
        _local.held = {}
    return _local.held


def _alive(pid: int, host: str) -> bool:
    """True if the process may be alive (unknown for other hosts counts as alive)."""
    if host != HOST:
        return True
    return psutil.pid_exists(pid)


def describe_holder(holder: dict[str, Any] | None) -> str:
    """Human description of a holder record."""
    if not holder:
        return "an unknown holder (no holder record)"
    return (
        f"pid {holder.get('pid')} on host {holder.get('host')} "
        f"(operation '{holder.get('operation')}', since {holder.get('since')})"
    )


class WriterLock:
    """The writer lock of one dataset; use ``with lock.hold("append"):``."""

    def __init__(self, lock_dir: Path, name: str, timeout_s: float) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self.dir = Path(lock_dir)
        self.path = self.dir / f"{name}.lock"
        self.holder_path = self.dir / f"{name}.holder.json"
        self.tickets = self.dir / f"{name}.priority"
        self.metrics_path = self.dir / f"{name}.metrics.json"

    # -- priority tickets -------------------------------------------------------------
    def _priority_waiting(self) -> bool:
        try:
            entries = list(self.tickets.iterdir())
        except FileNotFoundError:
            return False
        live = False
        for entry in entries:
            ticket = read_json(entry) if entry.suffix == ".json" else None
            if ticket is None:
                continue
            expired = time.time() > float(ticket.get("expires", float("inf")))
            if not expired and _alive(int(ticket["pid"]), ticket["host"]):
                live = True
            else:  # the priority waiter died or gave up long ago: drop its ticket
                entry.unlink(missing_ok=True)
        return live

    def priority_waiting(self) -> bool:
        """True while a live priority writer (e.g. a rollback) waits for this lock."""
        return self._priority_waiting()

    # -- acquisition --------------------------------------------------------------------
    @contextmanager
    def hold(
        self, operation: str, *, priority: bool = False, timeout_s: float | None = None
    ) -> Iterator[dict[str, Any]]:
        """Hold the lock for the block; raise LockTimeout naming the holder after the timeout."""
        held = _held_by_thread()
        key = str(self.path)
        if held.get(key):  # re-entrant within one thread: the outer hold covers this block
            held[key] += 1
            try:
                yield read_json(self.holder_path, {})
            finally:
                held[key] -= 1
            return
        timeout = self.timeout_s if timeout_s is None else timeout_s
        self.dir.mkdir(parents=True, exist_ok=True)
        ticket = None
        if priority:
            self.tickets.mkdir(parents=True, exist_ok=True)
            ticket = self.tickets / f"{os.getpid()}-{uuid.uuid4().hex}.json"
            write_json_atomic(
                ticket,
                {
                    "pid": os.getpid(),
                    "host": HOST,
                    "operation": operation,
                    "expires": time.time() + timeout + 1.0,
                },
            )
        start = time.monotonic()
        deadline = start + timeout
        flock = FileLock(self.path, thread_local=False)
        contended = False
        sleep = _POLL_S
        try:
            while True:
                if not priority and self._priority_waiting():
                    contended = True
                elif self._try(flock):
                    if priority or not self._priority_waiting():
                        break
                    flock.release()  # a priority writer arrived: let it go first
                    contended = True
                else:
                    contended = True
                if time.monotonic() >= deadline:
                    self._timed_out(operation, timeout)
                time.sleep(min(sleep, max(0.0, deadline - time.monotonic())))
                sleep = min(sleep * 1.5, _POLL_MAX_S)
        finally:
            if ticket is not None:
                ticket.unlink(missing_ok=True)
        acquired = time.monotonic()
        stale = self._claim(operation, priority)
        holder = read_json(self.holder_path, {})
        held[key] = 1
        try:
            yield holder
        finally:
            held.pop(key, None)
            hold_s = time.monotonic() - acquired
            self.holder_path.unlink(missing_ok=True)
            flock.release()
            self._record(
                wait=acquired - start,
                hold=hold_s,
                contended=contended,
                priority=priority,
                stale=stale,
            )

    @staticmethod
    def _try(flock: FileLock) -> bool:
        try:
            flock.acquire(blocking=False)
        except Timeout:
            return False
        return True

    def _claim(self, operation: str, priority: bool) -> dict[str, Any] | None:
        """Write our holder record; return the previous one if a dead holder left it."""
        previous = read_json(self.holder_path)
        write_json_atomic(
            self.holder_path,
            {
                "pid": os.getpid(),
                "host": HOST,
                "thread": threading.get_ident(),
                "operation": operation,
                "priority": priority,
                "since": datetime.now(UTC).isoformat(),
            },
        )
        if previous:
            log.warning(
                "recovered stale writer lock",
                dataset=self.name,
                dead_holder=describe_holder(previous),
            )
        return previous

    def _timed_out(self, operation: str, timeout: float) -> None:
        holder = read_json(self.holder_path)
        self._record(
            wait=timeout, hold=None, contended=True, priority=False, stale=None, timeout=True
        )
        queued = " (a priority write is queued ahead)" if self._priority_waiting() else ""
        raise LockTimeout(
            f"could not take the writer lock of dataset '{self.name}' for '{operation}' within "
            f"{timeout:g}s: held by {describe_holder(holder)}{queued}"
        )

    # -- metrics ------------------------------------------------------------------------
    def _record(
        self,
        *,
        wait: float,
        hold: float | None,
        contended: bool,
        priority: bool,
        stale: dict[str, Any] | None,
        timeout: bool = False,
    ) -> None:
        with FileLock(self.dir / f"{self.name}.metrics.lock", thread_local=False):
            m = read_json(self.metrics_path) or empty_metrics(self.name)
            if timeout:
                m["timeouts"] += 1
            else:
                m["acquisitions"] += 1
                m["contended"] += int(contended)
                m["priority_acquisitions"] += int(priority)
                m["wait_s_total"] += wait
                m["wait_s_max"] = max(m["wait_s_max"], wait)
                m["hold_s_total"] += hold or 0.0
                m["hold_s_max"] = max(m["hold_s_max"], hold or 0.0)
            if stale:
                m["stale_recovered"] += 1
                m["last_stale_holder"] = describe_holder(stale)
            m["updated"] = datetime.now(UTC).isoformat()
            write_json_atomic(self.metrics_path, m)

    def metrics(self) -> dict[str, Any]:
        """This dataset's lock metrics plus the current holder (None if free)."""
        m = read_json(self.metrics_path) or empty_metrics(self.name)
        n = max(m["acquisitions"], 1)
        m["wait_s_mean"] = m["wait_s_total"] / n
        m["hold_s_mean"] = m["hold_s_total"] / n
        m["holder"] = self.current_holder()
        return m

    def current_holder(self) -> dict[str, Any] | None:
        """The live holder record, or None (a record left by a dead process is not a holder)."""
        holder = read_json(self.holder_path)
        if not holder:
            return None
        probe = FileLock(self.path, thread_local=False)
        if self._try(probe):  # nobody holds the flock: the record is stale
            probe.release()
            return None
        return holder


def empty_metrics(name: str) -> dict[str, Any]:
    """A zeroed metrics record."""
    return {
        "dataset": name,
        "acquisitions": 0,
        "contended": 0,
        "timeouts": 0,
        "priority_acquisitions": 0,
        "stale_recovered": 0,
        "wait_s_total": 0.0,
        "wait_s_max": 0.0,
        "hold_s_total": 0.0,
        "hold_s_max": 0.0,
        "last_stale_holder": None,
        "updated": None,
    }
