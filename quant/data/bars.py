"""The canonical bar schema and its validation rules as vectorised polars expressions.

A bar is ``(symbol, ts, open, high, low, close, volume, adj_close, timeframe)`` keyed by
``(symbol, ts)``; ``ts`` is UTC with nanosecond resolution (daily bars at 00:00 UTC of the
trading date), prices and volume are float64, ``adj_close`` is nullable.

Rules (each row gets the names of every rule it breaks, ``"; "``-joined, or null if valid):

* ``invalid_symbol``: the symbol is not a full match of ``SYMBOL_PATTERN`` (1 to
  ``MAX_SYMBOL_LEN`` characters: letters, digits, ``. - _ = ^ / : + @ #`` and inner spaces);
* ``non_finite_price``: open/high/low/close is NaN or infinite;
* ``non_positive_price``: a price is <= 0; ``price_too_large``: a price is > ``MAX_PRICE``;
* ``high_below_low``, ``high_below_open_or_close``, ``low_above_open_or_close``;
* ``invalid_volume``: volume < 0, not finite or > ``MAX_VOLUME``;
* ``invalid_adj_close``: present but not finite, not > 0 or > ``MAX_PRICE``;
* ``duplicate_key``: the ``(symbol, ts)`` was already seen (earlier in the input or already
  in the dataset); ``ts_not_increasing``: ``ts`` is before the symbol's latest accepted bar.

The ordering rules span chunk boundaries: :func:`check_order` takes a *carry* frame of
``(symbol, last_ts)`` (initialised from the dataset, updated after each chunk).
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pyarrow as pa

from quant.errors import QuantError

PRICES = ("open", "high", "low", "close")
#: Limits of a plausible bar (the rules below; the ingest and the Dagster checks share them).
MAX_SYMBOL_LEN = 32
_INNER = rf"[A-Za-z0-9._=^/:+@# -]{{0,{MAX_SYMBOL_LEN - 2}}}"
SYMBOL_PATTERN = rf"[A-Za-z0-9^](?:{_INNER}[A-Za-z0-9._=^/:+@#-])?"  # full match: 1..MAX_SYMBOL_LEN
MAX_PRICE = 1e9  # per unit, in the quote currency
MAX_VOLUME = 1e15  # units traded in one bar
#: The ``ts`` a bar can hold (int64 ns since the epoch, to the microsecond): a source row
#: stamped outside (``0001-01-01``, a 5-digit year) is quarantined as ``ts_out_of_range``.
TS_MIN = datetime(1677, 9, 21, 0, 12, 43, 145225, tzinfo=UTC)
TS_MAX = datetime(2262, 4, 11, 23, 47, 16, 854775, tzinfo=UTC)
BAR_COLUMNS = ("symbol", "ts", "open", "high", "low", "close", "volume", "adj_close", "timeframe")
TS_DTYPE = pl.Datetime("ns", "UTC")
BAR_SCHEMA = pa.schema(
    [
        pa.field("symbol", pa.string(), nullable=False),
        pa.field("ts", pa.timestamp("ns", tz="UTC"), nullable=False),
        pa.field("open", pa.float64(), nullable=False),
        pa.field("high", pa.float64(), nullable=False),
        pa.field("low", pa.float64(), nullable=False),
        pa.field("close", pa.float64(), nullable=False),
        pa.field("volume", pa.float64(), nullable=False),
        pa.field("adj_close", pa.float64(), nullable=True),
        pa.field("timeframe", pa.string(), nullable=False),
    ]
)
POLARS_SCHEMA = {
    "symbol": pl.String,
    "ts": TS_DTYPE,
    "open": pl.Float64,
    "high": pl.Float64,
    "low": pl.Float64,
    "close": pl.Float64,
    "volume": pl.Float64,
    "adj_close": pl.Float64,
    "timeframe": pl.String,
}
#: Every reason a row can be rejected for by the value rules and ordering rules.
VALUE_RULES = (
    "invalid_symbol",
    "non_finite_price",
    "non_positive_price",
    "price_too_large",
    "high_below_low",
    "high_below_open_or_close",
    "low_above_open_or_close",
    "invalid_volume",
    "invalid_adj_close",
)
ORDER_RULES = ("duplicate_key", "ts_not_increasing")


class BarSchemaError(QuantError):
    """A frame does not have the canonical bar columns or types."""


def rule_exprs() -> dict[str, pl.Expr]:
    """Per value rule, a boolean expression that is True where a row breaks it."""
    finite = pl.all_horizontal([pl.col(p).is_finite() for p in PRICES])
    hi_oc = pl.max_horizontal("open", "close")
    lo_oc = pl.min_horizontal("open", "close")
    vol = pl.col("volume")
    adj = pl.col("adj_close")
    symbol = pl.col("symbol")
    return {
        "invalid_symbol": ~symbol.str.contains(rf"\A(?:{SYMBOL_PATTERN})\z"),
        "non_finite_price": ~finite,
        "non_positive_price": finite & pl.any_horizontal([pl.col(p) <= 0 for p in PRICES]),
        "price_too_large": finite & pl.any_horizontal([pl.col(p) > MAX_PRICE for p in PRICES]),
        "high_below_low": finite & (pl.col("high") < pl.col("low")),
        "high_below_open_or_close": finite & (pl.col("high") < hi_oc),
        "low_above_open_or_close": finite & (pl.col("low") > lo_oc),
        "invalid_volume": ~vol.is_finite() | (vol < 0) | (vol > MAX_VOLUME),
        "invalid_adj_close": adj.is_not_null()
        & (~adj.is_finite() | (adj <= 0) | (adj > MAX_PRICE)),
    }


def value_reason() -> pl.Expr:
    """String expression: the ``"; "``-joined value rules a row breaks, null when valid."""
    parts = [pl.when(e.fill_null(True)).then(pl.lit(name)) for name, e in rule_exprs().items()]
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)


def empty_carry() -> pl.DataFrame:
    """A carry frame with no symbols (nothing accepted yet)."""
    return pl.DataFrame(schema={"symbol": pl.String, "last_ts": TS_DTYPE})


def check_order(bars: pl.DataFrame, carry: pl.DataFrame) -> tuple[pl.Series, pl.DataFrame]:
    """Ordering reasons for value-valid bars (in input order) and the updated carry.

    ``bars`` holds ``symbol`` and ``ts`` in input order; ``carry`` holds each symbol's latest
    accepted ``last_ts``. A bar is accepted iff its ``ts`` is after the carry and after every
    earlier bar of the same symbol in ``bars``. Returns a String series (null = accepted).
    """
    latest = _latest_if_in_order(bars, carry)
    if latest is not None:  # the common case, found without a per-row window
        none = pl.repeat(None, bars.height, dtype=pl.String, eager=True).alias("order_reason")
        return none, _merge(carry, latest)
    frame = bars.select("symbol", "ts").join(carry, on="symbol", how="left", maintain_order="left")
    prev = pl.col("ts").cum_max().shift(1).over("symbol")
    frame = frame.with_columns(pl.max_horizontal(prev, pl.col("last_ts")).alias("_bound"))
    late = (pl.col("ts") <= pl.col("_bound")).fill_null(False)
    if not frame.select(late.any()).item():  # the common case: every bar in order
        latest = frame.group_by("symbol").agg(pl.col("ts").max().alias("last_ts"))
        none = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias("order_reason")
        return none, _merge(carry, latest)
    dup = (
        ~pl.struct("symbol", "ts").is_first_distinct()
        | (pl.col("ts") == pl.col("last_ts")).fill_null(False)
        | (pl.col("ts") == prev).fill_null(False)
    )
    reason = (
        pl.when(late)
        .then(pl.when(dup).then(pl.lit("duplicate_key")).otherwise(pl.lit("ts_not_increasing")))
        .otherwise(None)
        .alias("order_reason")
    )
    out = frame.with_columns(reason)
    latest = (
        out.filter(pl.col("order_reason").is_null())
        .group_by("symbol")
        .agg(pl.col("ts").max().alias("last_ts"))
    )
    return out["order_reason"], _merge(carry, latest)


def _latest_if_in_order(bars: pl.DataFrame, carry: pl.DataFrame) -> pl.DataFrame | None:
    """Each symbol's newest ``ts`` (``symbol``, ``last_ts``) when every bar of ``bars`` is
    after its symbol's carry and after the symbol's earlier bars; None when any is not."""
    if bars["ts"].null_count():
        return None
    ts = pl.col("ts")
    per = bars.group_by("symbol").agg(
        ts.first().alias("_first"),
        ts.max().alias("last_ts"),
        (ts.diff().slice(1) > 0).all().alias("_rising"),
    )
    bound = carry.rename({"last_ts": "_carry"})
    after = (pl.col("_carry").is_null() | (pl.col("_first") > pl.col("_carry"))) & pl.col("_rising")
    if not per.join(bound, on="symbol", how="left").select(after.all()).item():
        return None
    return per.select("symbol", "last_ts")


def _merge(carry: pl.DataFrame, latest: pl.DataFrame) -> pl.DataFrame:
    """The carry updated with each symbol's newest accepted ``ts``."""
    return (
        pl.concat([carry, latest], how="vertical")
        .group_by("symbol")
        .agg(pl.col("last_ts").max())
        .sort("symbol")
    )


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """Select and cast the canonical bar columns in canonical order (raises BarSchemaError)."""
    missing = [c for c in BAR_COLUMNS if c not in df.columns and c != "adj_close"]
    if missing:
        raise BarSchemaError(f"bars lack column(s) {', '.join(missing)}")
    if "adj_close" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.Float64).alias("adj_close"))
    try:
        return df.select([pl.col(c).cast(t) for c, t in POLARS_SCHEMA.items()])
    except pl.exceptions.PolarsError as err:
        raise BarSchemaError(f"bars cannot be cast to the bar schema: {err}") from None


def audit(bars: pl.LazyFrame | pl.DataFrame) -> dict[str, int]:
    """Rows of (stored) bars breaking each rule of this module; all zero for a valid set.

    ``duplicate_key`` counts the extra copies of repeated ``(symbol, ts)`` keys;
    ``ts_not_increasing`` counts rows with a null ``ts`` or a ``ts`` not after the previous
    bar of the symbol once sorted (so it also sees the duplicates).
    """
    lf = bars.lazy()
    counts = (
        lf.select([e.fill_null(True).sum().alias(n) for n, e in rule_exprs().items()])
        .collect()
        .row(0, named=True)
    )
    dup = lf.group_by("symbol", "ts").len().select((pl.col("len") - 1).sum()).collect().item()
    stale = (
        lf.sort("symbol", "ts")
        .select(
            (
                pl.col("ts").is_null()
                | (pl.col("ts").diff().over("symbol") <= pl.duration(nanoseconds=0))
            )
            .fill_null(False)
            .sum()
        )
        .collect()
        .item()
    )
    return {
        **{k: int(v) for k, v in counts.items()},
        "duplicate_key": int(dup or 0),
        "ts_not_increasing": int(stale or 0),
    }
