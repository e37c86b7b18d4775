"""Pre-trade validation in the live job: the pure pipeline, plus failures recorded in the ledger."""

from __future__ import annotations

import dataclasses

from quant.live.ledger import Ledger
from quant.log import get_logger
from quant.risk.orders import NewOrder
from quant.risk.validation import (
    AccountContext,
    OrderRejected,
    OrderRequest,
    ValidationConfig,
    validate_order,
)

log = get_logger("quant.live.pretrade")


def check_order(
    ledger: Ledger, req: OrderRequest, acct: AccountContext, cfg: ValidationConfig
) -> NewOrder:
    """The validated order; on rejection the stage and reason are recorded, then re-raised."""
    try:
        return validate_order(req, acct, cfg)
    except OrderRejected as rej:
        with ledger.transaction() as tx:  # joins the live run's transaction if one is open
            tx.record_validation_failure(dataclasses.asdict(req), rej.stage, rej.reason)
            tx.audit("pretrade", "order_rejected", rej.reason, stage=rej.stage,
                     client_order_id=req.client_order_id, symbol=req.symbol)  # fmt: skip
        log.warning("order rejected", stage=rej.stage, reason=rej.reason,
                    client_order_id=req.client_order_id, symbol=req.symbol)  # fmt: skip
        raise
