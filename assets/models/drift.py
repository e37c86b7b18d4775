"""Drift of the pair models: two asset checks on ``spread_ar`` and a sensor that requests a
refit (``pairs_1d`` + ``spread_ar``) once per drift event (run_key = the drifted model)."""

import json

import dagster as dg

from assets.models.pairs import pairs_1d, spread_ar
from assets.store import StoreResource
from quant.models.drift import DriftInputError
from quant.models.pairs_data import DEFAULT_PAIRS

retrain_models_job = dg.define_asset_job(
    "retrain_models_job", selection=[pairs_1d, spread_ar], description="Refit the pair models."
)


def _evaluate(store: StoreResource) -> tuple[list, list[str]]:
    from quant.models.monitor import pair_drift

    lake = store.get()
    results, skipped = [], []
    for y, _ in DEFAULT_PAIRS:
        try:
            results.append(pair_drift(lake, y))
        except DriftInputError as err:  # too few bars after the training window
            skipped.append(f"{y}: {err}")
    return results, skipped


def _check(kind: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=spread_ar,
        name=f"{kind}_drift",
        description=(
            "KS test of the spread z-score after training vs the training window (p < 0.01)"
            if kind == "data"
            else "RMSE of AR(1) one-step predictions after training / training RMSE (> 1.5)"
        ),
    )
    def check(store: StoreResource) -> dg.AssetCheckResult:
        results, skipped = _evaluate(store)
        stats = {r.symbol: getattr(r, kind).to_dict() for r in results}
        return dg.AssetCheckResult(
            passed=not any(getattr(r, kind).drifted for r in results),
            metadata={"drift": dg.MetadataValue.json(stats), "skipped": ", ".join(skipped)},
        )

    return check


drift_checks = [_check("data"), _check("concept")]


@dg.sensor(job=retrain_models_job, minimum_interval_seconds=3600)
def model_drift_sensor(context: dg.SensorEvaluationContext, store: StoreResource):
    """Request a refit of the pair models when a model drifts; once per drifted model version."""
    results, skipped = _evaluate(store)
    fired = set(json.loads(context.cursor)) if context.cursor else set()
    requests = []
    for r in results:
        if r.drifted and r.key() not in fired:
            fired.add(r.key())
            requests.append(dg.RunRequest(run_key=r.key(), tags={"drift": r.key()}))
    if not requests:
        why = "no drift" + (f" ({'; '.join(skipped)})" if skipped else "")
        return dg.SensorResult(skip_reason=why, cursor=json.dumps(sorted(fired)))
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(sorted(fired)))
