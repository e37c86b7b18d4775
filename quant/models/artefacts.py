"""Model artefacts without pickle: JSON, npz, Parquet or ArviZ netCDF plus a checksum file.

``save_*`` writes the artefact atomically (temp file + rename) and a sidecar
``<file>.checksum.json`` = {file, format, sha256 of the bytes, schema descriptor, writer}.
``load_*`` recomputes the sha256 of the bytes and the schema descriptor of what it read and
refuses the file (``ArtefactError`` naming it) when either differs from the sidecar, when
the sidecar is missing, or when the caller's ``expect`` schema is not the recorded one.

Schema descriptors: JSON -> the caller's ``schema`` dict (e.g. model name + version) plus
the sorted top-level keys; npz -> {array: [dtype, shape]}; Parquet -> the Arrow schema as
text; netCDF -> {group: {variable: [dtype, dims]}}. npz is read with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from quant.errors import QuantError

SIDECAR_SUFFIX = ".checksum.json"
FORMATS = ("json", "npz", "parquet", "netcdf")


class ArtefactError(QuantError):
    """An artefact is missing its checksum file, was altered, or has an unexpected schema."""


def sidecar_path(path: str | Path) -> Path:
    """The checksum file written next to an artefact."""
    p = Path(path)
    return p.with_name(p.name + SIDECAR_SUFFIX)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _atomic(path: Path, write: Callable[[Path], None], suffix: str) -> None:
    """Write through ``write(tmp)`` into a temp file in the target folder, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_sidecar(path: Path, fmt: str, schema: Any) -> dict[str, Any]:
    from importlib.metadata import version

    record = {
        "file": path.name,
        "format": fmt,
        "sha256": _sha256(path),
        "schema": schema,
        "writer": f"quant {version('quant')}",
    }
    text = json.dumps(record, sort_keys=True, indent=1)
    _atomic(sidecar_path(path), lambda t: t.write_text(text), ".json")
    return record


def _check(path: Path, fmt: str, expect: Any | None) -> dict[str, Any]:
    """The sidecar record, after checking format, bytes and the caller's expected schema."""
    side = sidecar_path(path)
    if not path.is_file():
        raise ArtefactError(f"artefact {path} does not exist")
    if not side.is_file():
        raise ArtefactError(f"artefact {path} has no checksum file {side.name}: refusing it")
    try:
        record = json.loads(side.read_text())
    except json.JSONDecodeError as err:
        raise ArtefactError(f"checksum file {side} is not valid JSON ({err})") from None
    if record.get("format") != fmt or record.get("file") != path.name:
        raise ArtefactError(
            f"artefact {path}: checksum file is for {record.get('file')!r} "
            f"({record.get('format')!r}), not a {fmt} artefact of that name"
        )
    if _sha256(path) != record.get("sha256"):
        raise ArtefactError(f"artefact {path} was modified: sha256 differs from its checksum file")
    if expect is not None and _norm(expect) != _norm(record.get("schema")):
        raise ArtefactError(
            f"artefact {path} has schema {record.get('schema')!r}, expected {_norm(expect)!r}"
        )
    return record


def _norm(schema: Any) -> Any:
    return json.loads(json.dumps(schema, sort_keys=True))


def _same_schema(path: Path, record: dict[str, Any], found: Any) -> None:
    if _norm(found) != _norm(record["schema"]):
        raise ArtefactError(
            f"artefact {path}: content schema {_norm(found)!r} does not match "
            f"the recorded schema {record['schema']!r}"
        )


# --------------------------------------------------------------------------- JSON


def _json_schema(obj: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    return {**dict(schema), "keys": sorted(obj)}


def save_json(path: str | Path, obj: Mapping[str, Any], schema: Mapping[str, Any]) -> Path:
    """Write a JSON object; ``schema`` names what it is (e.g. {"model": ..., "version": 1})."""
    p = Path(path)
    text = json.dumps(obj, sort_keys=True, indent=1, allow_nan=True)
    _atomic(p, lambda t: t.write_text(text), ".json")
    _write_sidecar(p, "json", _json_schema(obj, schema))
    return p


def load_json(path: str | Path, expect: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Read a JSON artefact after verifying it; ``expect`` = the ``schema`` given to save."""
    p = Path(path)
    record = _check(p, "json", None)
    obj = json.loads(p.read_text())
    named = {k: v for k, v in record["schema"].items() if k != "keys"}
    _same_schema(p, record, _json_schema(obj, named if expect is None else expect))
    return obj


# --------------------------------------------------------------------------- npz


def _npz_schema(arrays: Mapping[str, np.ndarray]) -> dict[str, Any]:
    return {
        k: [np.asarray(v).dtype.str, list(np.asarray(v).shape)] for k, v in sorted(arrays.items())
    }


def save_npz(path: str | Path, arrays: Mapping[str, np.ndarray]) -> Path:
    """Write numeric arrays as an uncompressed npz (object arrays are refused)."""
    p = Path(path)
    for k, v in arrays.items():
        if np.asarray(v).dtype.hasobject:
            raise ArtefactError(f"artefact {p}: array {k!r} holds Python objects (no pickle)")

    def write(t: Path) -> None:
        with t.open("wb") as fh:
            np.savez(fh, **{k: np.asarray(v) for k, v in arrays.items()})

    _atomic(p, write, ".npz")
    _write_sidecar(p, "npz", _npz_schema(arrays))
    return p


def load_npz(path: str | Path, expect: Mapping[str, Any] | None = None) -> dict[str, np.ndarray]:
    """Read an npz artefact (``allow_pickle=False``) after verifying checksum and schema."""
    p = Path(path)
    record = _check(p, "npz", expect)
    with np.load(p, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    _same_schema(p, record, _npz_schema(arrays))
    return arrays


# --------------------------------------------------------------------------- Parquet


def save_parquet(path: str | Path, frame: Any) -> Path:
    """Write a polars frame or Arrow table as Parquet."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = Path(path)
    table = frame if isinstance(frame, pa.Table) else frame.to_arrow()
    _atomic(p, lambda t: pq.write_table(table, t), ".parquet")
    _write_sidecar(p, "parquet", table.schema.remove_metadata().to_string())
    return p


def load_parquet(path: str | Path, expect: str | None = None) -> Any:
    """Read a Parquet artefact as a polars frame after verifying checksum and schema."""
    import polars as pl
    import pyarrow.parquet as pq

    p = Path(path)
    record = _check(p, "parquet", expect)
    table = pq.read_table(p)
    _same_schema(p, record, table.schema.remove_metadata().to_string())
    return pl.from_arrow(table)


# --------------------------------------------------------------------------- netCDF


def _netcdf_schema(idata: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group in idata.groups():
        ds = getattr(idata, group.lstrip("/"))
        out[group.lstrip("/")] = {
            str(name): [str(var.dtype), [str(d) for d in var.dims]]
            for name, var in sorted(ds.data_vars.items())
        }
    return out


def save_netcdf(path: str | Path, idata: Any) -> Path:
    """Write an ArviZ ``InferenceData`` (e.g. a PyMC trace) as netCDF (h5netcdf engine)."""
    p = Path(path)
    _atomic(p, lambda t: idata.to_netcdf(str(t), engine="h5netcdf"), ".nc")
    _write_sidecar(p, "netcdf", _netcdf_schema(idata))
    return p


def load_netcdf(path: str | Path, expect: Mapping[str, Any] | None = None) -> Any:
    """Read a netCDF ``InferenceData`` (loaded into memory) after verifying it."""
    import arviz as az

    p = Path(path)
    record = _check(p, "netcdf", expect)
    idata = az.from_netcdf(str(p), engine="h5netcdf")
    _same_schema(p, record, _netcdf_schema(idata))
    return idata
