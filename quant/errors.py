"""Exception types the user can act on; the CLI maps every QuantError to exit code 2."""

from __future__ import annotations


class QuantError(Exception):
    """Base of all framework errors that carry a message meant for the user."""

    exit_code = 2


class ConfigError(QuantError):
    """Configuration is invalid (names the field and the allowed values)."""
