"""The base of every error meant for the user; it lives in the core so kernels' input checks
can raise it without importing anything above the core (``quant.errors`` re-exports it)."""

from __future__ import annotations


class QuantError(Exception):
    """Base of all framework errors that carry a message meant for the user."""

    exit_code = 2
