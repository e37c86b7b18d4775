"""Strategies: one module each, a frozen pydantic Params model plus a numba decision function."""
