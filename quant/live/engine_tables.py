"""The engine's exact record tables, next to the ledger's own (same database, same transaction).

The ledger keeps orders, fills, positions and cash as decimals for people and tools; the
engine also keeps the simulator's records bit for bit (``quant.core.records`` dtypes as raw
bytes, never pickle) and the per-bar equity, so a replay reports exactly what a backtest
reports. Created by the ledger's migration v3 (``quant.live.ledger.migrations``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

records = Table(
    "live_records",
    metadata,
    Column("engine", String(128), primary_key=True),
    Column("kind", String(8), primary_key=True),  # order | fill | trade
    Column("id", BigInteger, primary_key=True),  # order id / fill or trade sequence
    Column("client_id", String(64), nullable=True),
    Column("bar", BigInteger, nullable=False),
    Column("raw", LargeBinary, nullable=False),  # one record of order_dt / fill_dt / trade_dt
)

bars = Table(
    "live_bars",
    metadata,
    Column("engine", String(128), primary_key=True),
    Column("bar", BigInteger, primary_key=True),
    Column("ts", BigInteger, nullable=False),
    Column("halt", Integer, nullable=False),
    Column("values", LargeBinary, nullable=False),  # float64 raw: equity, exposure, targets[S]
)
