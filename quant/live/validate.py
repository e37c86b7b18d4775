"""The pre-trade pipeline (``quant.risk.validation`` via ``quant.live.pretrade``) as the
engine's ``validate`` hook: a refused order is recorded with its stage and never sent."""

from __future__ import annotations

import math
from collections.abc import Callable

from quant.live.broker.base import OrderRequest
from quant.live.ledger import Ledger
from quant.live.pretrade import check_order
from quant.risk.validation import AccountContext, OrderRejected, ValidationConfig
from quant.risk.validation import OrderRequest as PipelineRequest

#: validate(request, account context) -> "" to accept, else "stage: reason".
Validator = Callable[[OrderRequest, AccountContext], str]


def pretrade_validator(ledger: Ledger, cfg: ValidationConfig, strategy: str) -> Validator:
    """A ``validate`` hook running every pipeline stage; failures land in the ledger."""

    def validate(req: OrderRequest, ctx: AccountContext) -> str:
        """'' when the order passes, else the refusing stage and reason."""
        r = PipelineRequest(
            client_order_id=req.client_id, strategy=strategy, symbol=req.symbol,
            side="buy" if req.side > 0 else "sell", order_type=req.type, qty=req.qty,
            bar_ts=req.ts,
            limit_price=None if math.isnan(req.limit_price) else req.limit_price,
            stop_price=None if math.isnan(req.stop_price) else req.stop_price,
        )  # fmt: skip
        try:
            check_order(ledger, r, ctx, cfg)
        except OrderRejected as rej:
            return f"{rej.stage}: {rej.reason}"
        return ""

    return validate
