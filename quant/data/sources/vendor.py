"""Vendor adapters: fetch bars for a symbol and time range from a remote service, resiliently.

An adapter implements :class:`VendorAdapter` (one plain call, no retry logic of its own) and
raises :func:`status_error` for HTTP-style failures. :class:`ResilientVendor` wraps it with

* a rate limit (``pyrate-limiter``; calls block until a permit is free),
* retries of *transient* failures (5xx, 408, 429, timeouts) with exponential backoff and
  jitter (``tenacity``),
* a circuit breaker (``pybreaker``): after ``breaker_fail_max`` consecutive transient
  failures calls fail fast with :class:`VendorUnavailableError` until ``breaker_reset_s`` passes.

A *permanent* failure (any other 4xx, e.g. 401, 404) is raised at once: no retry, and it does
not count against the breaker. Optional adapters for real vendors (e.g. ccxt) would live in
optional extras; none is required to install or test the framework.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import polars as pl
import pybreaker
import tenacity
from pyrate_limiter import Duration, Limiter, Rate

from quant.errors import QuantError
from quant.log import get_logger

log = get_logger(__name__)


class VendorError(QuantError):
    """A vendor call failed."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientVendorError(VendorError):
    """A failure that may succeed on retry (5xx, 408, 429, timeout, connection reset)."""


class PermanentVendorError(VendorError):
    """A failure that will not succeed on retry (4xx other than 408/429)."""


class VendorUnavailableError(VendorError):
    """The circuit breaker is open or retries are exhausted; try again later."""


def status_error(status: int, message: str) -> VendorError:
    """The error class for an HTTP status: transient for 5xx/408/429, permanent for 4xx."""
    if status >= 500 or status in (408, 429):
        return TransientVendorError(f"HTTP {status}: {message}", status)
    return PermanentVendorError(f"HTTP {status}: {message}", status)


class VendorAdapter(Protocol):
    """A remote source of bars. ``fetch_bars`` returns canonical bar columns (any order)."""

    name: str

    def fetch_bars(
        self, symbol: str, start: datetime, end: datetime, timeframe: str
    ) -> pl.DataFrame:
        """Bars of ``symbol`` with ``start <= ts < end`` (UTC)."""
        ...


@dataclass(frozen=True)
class ResiliencePolicy:
    """Retry, rate-limit and breaker settings of a vendor (seconds; calls per second)."""

    max_attempts: int = 5
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    jitter_s: float = 0.5
    calls_per_second: int = 5
    breaker_fail_max: int = 5
    breaker_reset_s: float = 60.0


class ResilientVendor:
    """Wraps an adapter with rate limiting, retry with backoff + jitter and a circuit breaker."""

    def __init__(
        self,
        adapter: VendorAdapter,
        policy: ResiliencePolicy | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.adapter = adapter
        self.policy = policy or ResiliencePolicy()
        self.limiter = Limiter(Rate(self.policy.calls_per_second, Duration.SECOND))
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=self.policy.breaker_fail_max,
            reset_timeout=self.policy.breaker_reset_s,
            exclude=[PermanentVendorError],
            name=adapter.name,
        )
        self._sleep = sleep or tenacity.nap.sleep
        self.attempts = 0  # calls that reached the adapter (for reporting)

    def _once(self, symbol: str, start: datetime, end: datetime, timeframe: str) -> pl.DataFrame:
        self.limiter.try_acquire(self.adapter.name)
        self.attempts += 1
        try:
            return self.breaker.call(self.adapter.fetch_bars, symbol, start, end, timeframe)
        except pybreaker.CircuitBreakerError as err:
            raise VendorUnavailableError(
                f"vendor {self.adapter.name}: circuit open after repeated failures ({err}); "
                f"retry after {self.policy.breaker_reset_s:g}s"
            ) from None

    def fetch_bars(
        self, symbol: str, start: datetime, end: datetime, timeframe: str
    ) -> pl.DataFrame:
        """Fetch, retrying transient errors; permanent errors and an open breaker fail fast."""
        p = self.policy
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(p.max_attempts),
            wait=tenacity.wait_exponential_jitter(
                multiplier=p.backoff_initial_s, max=p.backoff_max_s, jitter=p.jitter_s
            ),
            retry=tenacity.retry_if_exception_type(TransientVendorError),
            sleep=self._sleep,
            reraise=True,
            before_sleep=lambda rs: log.warning(
                "vendor call failed; retrying",
                vendor=self.adapter.name,
                attempt=rs.attempt_number,
                error=str(rs.outcome.exception()) if rs.outcome else "",
            ),
        )
        try:
            return retrying(self._once, symbol, start, end, timeframe)
        except TransientVendorError as err:
            raise VendorUnavailableError(
                f"vendor {self.adapter.name}: {p.max_attempts} attempts failed; last: {err}",
                err.status,
            ) from err
