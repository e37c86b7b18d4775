"""Risk: sizing, limits and HALT conditions for callers outside the core (the live job).

The kernels live in ``quant.core.risk`` (the simulator needs them and the core imports
nothing above it); ``quant.risk.sizing`` and ``quant.risk.limits`` re-export them.
"""
