"""The ``Ledger``: a SQLAlchemy engine, migrated on open, handing out transactions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from quant.config import Settings, load_settings
from quant.errors import QuantError
from quant.live.ledger import migrations
from quant.live.ledger.dialect import READ_MODE, make_engine
from quant.live.ledger.reads import LedgerReader
from quant.live.ledger.tx import LedgerTx


class LedgerUnavailable(QuantError):
    """The ledger database cannot be opened or stayed locked past the busy timeout."""


class Ledger:
    """Crash-safe live state behind one SQLAlchemy URL (see the package docstring)."""

    def __init__(
        self,
        url: str,
        clock: Callable[[], int] = time.time_ns,
        busy_timeout_ms: int = 30_000,
        migrate: bool = True,
        synchronous: str = "FULL",
    ) -> None:
        self.url = url
        self.clock = clock
        self.engine: Engine = make_engine(url, busy_timeout_ms, synchronous)
        self._local = threading.local()
        if migrate:
            try:
                migrations.migrate(self.engine)
            except OperationalError as err:
                raise LedgerUnavailable(f"cannot open ledger {url}: {err.orig}") from None

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **kwargs: Any) -> Ledger:
        """The ledger named by ``QUANT_LEDGER`` (default ``sqlite:///data/ledger/live.db``)."""
        return cls((settings or load_settings()).ledger_url(), **kwargs)

    @property
    def schema_version(self) -> int:
        """Schema version of the database."""
        return migrations.current_version(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[LedgerTx]:
        """A write transaction: committed at the end of the block, rolled back on any error.

        Nested on the same thread, the inner block joins the outer transaction through a
        SAVEPOINT (an error inside rolls back only the inner block's writes if caught).
        """
        outer: LedgerTx | None = getattr(self._local, "tx", None)
        if outer is not None:
            with outer.conn.begin_nested():
                yield outer
            return
        conn = None
        try:
            conn = self.engine.connect()
            trans = conn.begin()
        except OperationalError as err:
            if conn is not None:
                conn.close()
            raise LedgerUnavailable(f"ledger {self.url} is busy: {err.orig}") from None
        tx = LedgerTx(conn, self.clock)
        self._local.tx = tx
        try:
            yield tx
            trans.commit()
        except BaseException:
            trans.rollback()
            raise
        finally:
            self._local.tx = None
            conn.close()

    @contextmanager
    def read(self) -> Iterator[LedgerReader]:
        """A read-only snapshot; never blocks or is blocked by the writer (WAL / MVCC)."""
        conn = self.engine.connect().execution_options(**{READ_MODE: True})
        with conn, conn.begin():
            yield LedgerReader(conn)

    def close(self) -> None:
        """Release pooled connections."""
        self.engine.dispose()

    # --- convenience reads (each its own snapshot) -----------------------------------------
    def orders(self, **filters: Any) -> list[dict[str, Any]]:
        """See :meth:`LedgerReader.orders`."""
        with self.read() as r:
            return r.orders(**filters)

    def order(self, client_order_id: str) -> dict[str, Any] | None:
        """See :meth:`LedgerReader.order`."""
        with self.read() as r:
            return r.order(client_order_id)

    def fills(self, **filters: Any) -> list[dict[str, Any]]:
        """See :meth:`LedgerReader.fills`."""
        with self.read() as r:
            return r.fills(**filters)

    def positions(self, strategy: str | None = None) -> list[dict[str, Any]]:
        """See :meth:`LedgerReader.positions`."""
        with self.read() as r:
            return r.positions(strategy)

    def cash(self, account: str = "default") -> Decimal | None:
        """See :meth:`LedgerReader.cash`."""
        with self.read() as r:
            return r.cash(account)

    def audit_trail(self, what: str | None = None, limit: int | None = None) -> list[dict]:
        """See :meth:`LedgerReader.audit_trail`."""
        with self.read() as r:
            return r.audit_trail(what, limit)
