"""Numba kernels: NumPy arrays in, arrays out; no I/O, no dataframes, no globals.

Conventions for every kernel in this package:

* time runs along axis 0; 2-D inputs are (bars x symbols);
* timestamps are int64 nanoseconds since the epoch, UTC;
* NaN means "no value": warm-up outputs are NaN, and each kernel documents what a NaN
  input does to its state;
* streaming kernels are a small state record plus a ``*_step`` function; the batch
  function is a loop that *calls* that step, so batch and streaming agree bit for bit.
"""
