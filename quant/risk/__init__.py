"""Risk: sizing, slippage, pre-trade validation, limits and HALT conditions (pure functions)."""
