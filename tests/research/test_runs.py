"""``materializations`` reads what a real Dagster run recorded for an asset."""

from __future__ import annotations

import dagster as dg

import quant.research as qr


@dg.asset(name="research_probe")
def probe() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3, "note": "hello"})


def test_materializations_lists_runs_newest_first_with_scalar_metadata():
    instance = dg.DagsterInstance.ephemeral()
    runs = [dg.materialize([probe], instance=instance).run_id for _ in range(2)]
    df = qr.materializations("research_probe", instance=instance)
    assert df["run_id"].to_list() == runs[::-1]
    assert df["rows"].to_list() == [3, 3] and df["note"].to_list() == ["hello", "hello"]
