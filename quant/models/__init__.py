"""Models: statsmodels / PyMC / Kalman; fit, predict, checksummed save/load (no pickle)."""
