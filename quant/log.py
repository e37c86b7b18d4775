"""One logging setup: readable console lines on stderr, JSON lines in ``<log_dir>/quant.jsonl``.

Inside a host that owns the handlers (Dagster runs), :func:`route_to_host` sends the same
lines, rendered as ``event key=value ...`` text, to the stdlib ``quant`` logger without
adding handlers; Dagster's managed python loggers (``python_logs`` in ``dagster.yaml``) put
them in the run's event log.

Context such as run id, strategy and symbol is bound with :func:`log_context` and appears
on every line logged inside it (contextvars, so it is safe across threads and asyncio).
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog

_configured: tuple[str, str] | None = None


def setup_logging(log_dir: Path | None = None, level: str = "INFO") -> None:
    """Configure structlog + stdlib logging once per process (idempotent per arguments)."""
    global _configured
    key = (str(log_dir), level)
    if _configured == key:
        return
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    root = _configure([*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter], level)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.dev.ConsoleRenderer(colors=False),
            ],
            foreign_pre_chain=shared,
        )
    )
    root.addHandler(console)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        file = logging.handlers.WatchedFileHandler(log_dir / "quant.jsonl")
        file.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer(),
                ],
                foreign_pre_chain=shared,
            )
        )
        root.addHandler(file)
    _configured = key


def route_to_host(level: str = "INFO") -> None:
    """Send ``quant`` log lines to the stdlib ``quant`` logger as rendered text, no handlers.

    For hosts that attach their own handler to that logger (Dagster's managed python
    loggers). Handlers a previous :func:`setup_logging` added are removed; calling
    :func:`setup_logging` afterwards configures the CLI form again.
    """
    global _configured
    rendered = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.format_exc_info,
        structlog.dev.ConsoleRenderer(colors=False, pad_event_to=0),
    ]
    _configure(rendered, level)
    _configured = None


def _configure(processors: list[Any], level: str) -> logging.Logger:
    """structlog over the stdlib ``quant`` logger with ``processors``; that logger reset
    (no handlers, ``level``, not propagating) and returned."""
    structlog.configure(
        processors=processors,
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger("quant")
    root.handlers.clear()
    root.setLevel(level)
    root.propagate = False
    return root


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """Logger for a ``quant.*`` module; use keyword fields, not formatted strings."""
    return structlog.get_logger(name)


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Bind fields (run_id, strategy, symbol, ...) to every log line inside the block."""
    with structlog.contextvars.bound_contextvars(**fields):
        yield
