"""JSON encoding of strategy and feature state: numeric arrays round-trip exactly, no pickle.

A NumPy array becomes ``{"__ndarray__": [...], "dtype": "float64", "shape": [...]}``;
floats are written with ``repr`` precision (so every float64, NaN and inf included, reads
back bit for bit); a Decimal becomes ``{"__decimal__": "1.25"}``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import numpy as np


def _encode(o: Any) -> Any:
    if isinstance(o, np.ndarray):
        if o.dtype.kind not in "biuf":
            raise TypeError(f"only numeric arrays can be stored in the ledger, not {o.dtype}")
        return {"__ndarray__": o.ravel().tolist(), "dtype": o.dtype.str, "shape": list(o.shape)}
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, Decimal):
        return {"__decimal__": str(o)}
    raise TypeError(f"cannot store {type(o).__name__} in the ledger (JSON state only)")


def _decode(d: dict[str, Any]) -> Any:
    if "__ndarray__" in d:
        return np.asarray(d["__ndarray__"], dtype=np.dtype(d["dtype"])).reshape(d["shape"])
    if "__decimal__" in d:
        return Decimal(d["__decimal__"])
    return d


def dumps(obj: Any) -> str:
    """State (dicts, lists, scalars, NumPy arrays, Decimals) as JSON text."""
    return json.dumps(obj, default=_encode, sort_keys=True, allow_nan=True)


def loads(text: str) -> Any:
    """The state written by :func:`dumps`, arrays and Decimals restored."""
    return json.loads(text, object_hook=_decode)
