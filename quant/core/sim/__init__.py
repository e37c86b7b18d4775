"""The backtest simulator: records, fill model, order book and the per-bar loop (numba only).

The loop has one source (``loop._loop``) compiled two ways: ``loop.simulate``, the general
loop, takes the strategy's decision function as a first-class numba function
(``layout.DecideType``) with every part of the loop compiled in, so one compiled loop serves
every strategy (the live job); ``loop.specialised(decide, plan)`` compiles the strategy's
``decide`` into the loop (a direct call the compiler can inline) and leaves out the parts the
configuration does not use (``loop.Plan``); the backtest engine runs that one. Both are
cached on disk and give identical results (``tests/core/sim/test_specialised.py``).
"""
