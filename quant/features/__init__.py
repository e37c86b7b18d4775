"""Feature specs: declarative (kernel, params, inputs) -> named columns, built from core kernels."""
