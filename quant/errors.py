"""Exception types the user can act on; the CLI maps every QuantError to exit code 2."""

from __future__ import annotations

from quant.core.errors import QuantError  # the base lives in the core (bottom layer)

__all__ = ["ConfigError", "QuantError"]


class ConfigError(QuantError):
    """Configuration is invalid (names the field and the allowed values)."""
