"""Feature specs: declarative (kernel, params, inputs) -> named columns, built from core kernels."""

from quant.features.compute import compute_features
from quant.features.dataset import NoBarsError, build_features
from quant.features.specs import DAILY_SPECS, FeatureSpec, FeatureSpecError, validate_specs

__all__ = [
    "DAILY_SPECS",
    "FeatureSpec",
    "FeatureSpecError",
    "NoBarsError",
    "build_features",
    "compute_features",
    "validate_specs",
]
