"""Generated bar files of any size, written piece by piece (constant memory)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

SYMBOLS = ("AAA", "BBB", "CCC", "DDD")
PIECE = 1_000_000


def write_bars_csv(path: Path, n_rows: int, *, bad_every: int = 0, seed: int = 0) -> Path:
    """Canonical-layout CSV of ``n_rows`` 1-minute bars over 4 symbols (interleaved).

    With ``bad_every=k`` every k-th row gets an unparseable close (``"x"``), so it must be
    quarantined. Values are deterministic for a given seed.
    """
    rng = np.random.default_rng(seed)
    syms = np.array(SYMBOLS)
    t0 = np.datetime64("2000-01-01T00:00:00", "ns")
    with path.open("wb") as fh:
        for start in range(0, n_rows, PIECE):
            n = min(PIECE, n_rows - start)
            idx = np.arange(start, start + n)
            close = np.round(100 + 10 * np.sin(idx / 5000) + rng.normal(0, 0.5, n), 2)
            open_ = np.round(close + rng.normal(0, 0.2, n), 2)
            df = pl.DataFrame(
                {
                    "symbol": syms[idx % len(syms)],
                    "ts": t0 + (idx // len(syms)) * np.timedelta64(60, "s"),
                    "open": open_,
                    "high": np.maximum(open_, close) + 0.1,
                    "low": np.minimum(open_, close) - 0.1,
                    "close": close,
                    "volume": rng.integers(0, 10_000, n).astype(np.float64),
                }
            )
            if bad_every:
                bad = (idx % bad_every) == bad_every - 1
                df = df.with_columns(
                    pl.when(pl.Series(bad))
                    .then(pl.lit("x"))
                    .otherwise(pl.col("close").cast(pl.String))
                    .alias("close")
                )
            df.write_csv(
                fh,
                include_header=start == 0,
                datetime_format="%Y-%m-%dT%H:%M:%S",
                float_precision=2,
            )
    return path
