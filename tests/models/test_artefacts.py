"""Artefacts: round trips, and a tampered file or a wrong schema is refused, naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from quant.models import artefacts as art


def test_json_npz_parquet_round_trip(tmp_path: Path) -> None:
    obj = {"beta": 1.5, "window": 60}
    art.save_json(tmp_path / "m.json", obj, {"model": "ols", "version": 1})
    assert art.load_json(tmp_path / "m.json", {"model": "ols", "version": 1}) == obj
    arrays = {"beta": np.arange(5.0), "n": np.arange(5)}
    art.save_npz(tmp_path / "m.npz", arrays)
    got = art.load_npz(tmp_path / "m.npz")
    assert got.keys() == arrays.keys() and all(np.array_equal(got[k], arrays[k]) for k in arrays)
    df = pl.DataFrame({"ts": [1, 2], "beta": [0.5, 0.6]})
    art.save_parquet(tmp_path / "m.parquet", df)
    assert art.load_parquet(tmp_path / "m.parquet").equals(df)


@pytest.mark.parametrize("name", ["m.json", "m.npz", "m.parquet"])
def test_tampered_artefact_is_refused_naming_the_file(tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    if name.endswith("json"):
        art.save_json(p, {"beta": 1.5}, {"model": "ols"})
        load = art.load_json
    elif name.endswith("npz"):
        art.save_npz(p, {"beta": np.arange(100.0)})
        load = art.load_npz
    else:
        art.save_parquet(p, pl.DataFrame({"beta": np.arange(100.0)}))
        load = art.load_parquet
    raw = bytearray(p.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one flipped bit
    p.write_bytes(bytes(raw))
    with pytest.raises(art.ArtefactError, match=rf"{name}.*modified"):
        load(p)


def test_rewritten_checksum_with_other_schema_is_refused(tmp_path: Path) -> None:
    p = art.save_npz(tmp_path / "m.npz", {"beta": np.arange(3.0)})
    side = art.sidecar_path(p)
    rec = json.loads(side.read_text())
    rec["schema"] = {"beta": ["<f8", [4]]}  # a forged descriptor with the right sha256
    side.write_text(json.dumps(rec))
    with pytest.raises(art.ArtefactError, match=r"m\.npz.*schema"):
        art.load_npz(p)


def test_unexpected_schema_and_missing_checksum_are_refused(tmp_path: Path) -> None:
    p = art.save_json(tmp_path / "m.json", {"beta": 1.0}, {"model": "ols", "version": 1})
    with pytest.raises(art.ArtefactError, match=r"m\.json"):
        art.load_json(p, {"model": "ols", "version": 2})
    art.sidecar_path(p).unlink()
    with pytest.raises(art.ArtefactError, match=r"m\.json has no checksum file"):
        art.load_json(p)


def test_object_arrays_are_refused_no_pickle(tmp_path: Path) -> None:
    with pytest.raises(art.ArtefactError, match="Python objects"):
        art.save_npz(tmp_path / "o.npz", {"x": np.array([{"a": 1}], dtype=object)})


def test_netcdf_trace_round_trip_and_tamper(tmp_path: Path) -> None:
    import arviz as az

    rng = np.random.default_rng(0)
    idata = az.from_dict(posterior={"mu": rng.normal(size=(2, 50))})
    p = art.save_netcdf(tmp_path / "trace.nc", idata)
    back = art.load_netcdf(p)
    assert np.array_equal(back.posterior["mu"].values, idata.posterior["mu"].values)
    raw = bytearray(p.read_bytes())
    raw[-100] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(art.ArtefactError, match=r"trace\.nc.*modified"):
        art.load_netcdf(p)
