"""Backtest engine around the core simulator: metrics, optimiser, walk-forward, reports."""
