"""The backtest simulator: records, fill model, order book and the per-bar loop (numba only).

``loop.simulate`` is compiled once (explicit signature) and takes the strategy's decision
function as a first-class numba function of type ``layout.DecideType``, so a new strategy
costs no recompilation of the loop and the on-disk cache serves every fresh process.
"""
