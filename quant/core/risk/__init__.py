"""Risk kernels of the core: position sizing, limits and HALT conditions (numba, pure).

The simulator calls them inside its bar loop; ``quant.risk`` re-exports them for the live
job, so both worlds run the same compiled functions.
"""
