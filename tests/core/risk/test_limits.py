"""Risk limits and HALT conditions as pure functions."""

import math

from quant.core.risk.limits import account_halt, cap_exposure, cap_position, volatility_halt
from quant.core.sim.layout import (
    HALT_CONSEC_LOSSES,
    HALT_DAILY_LOSS,
    HALT_DRAWDOWN,
    HALT_NONE,
)


def halt(current=HALT_NONE, new_day=False, eq=100.0, day=100.0, peak=100.0, consec=0.0,
         dl=0.05, dd=0.2, mc=3.0):  # fmt: skip
    return account_halt(current, new_day, eq, day, peak, consec, dl, dd, mc)


def test_position_and_exposure_caps_clip_the_size():
    assert cap_position(100.0, 10.0, 1000.0, 0.5) == 50.0
    assert cap_position(100.0, 10.0, 1000.0, 0.0) == 100.0
    assert cap_exposure(100.0, 10.0, 1000.0, 700.0, 1.0) == 30.0
    assert cap_exposure(100.0, 10.0, 1000.0, 1200.0, 1.0) == 0.0


def test_account_halt_codes_and_their_lifetimes():
    assert halt() == HALT_NONE
    assert halt(eq=94.0) == HALT_DAILY_LOSS
    assert halt(current=HALT_DAILY_LOSS, new_day=True, eq=94.0, day=94.0) == HALT_NONE
    assert halt(current=HALT_DAILY_LOSS, eq=99.0) == HALT_DAILY_LOSS  # same day: stays
    assert halt(eq=79.0, day=79.0, peak=100.0) == HALT_DRAWDOWN
    assert halt(current=HALT_DRAWDOWN, new_day=True) == HALT_DRAWDOWN  # latched
    assert halt(consec=3.0) == HALT_CONSEC_LOSSES
    assert halt(eq=50.0, dl=0.0, dd=0.0, mc=0.0) == HALT_NONE  # no limits set


def test_volatility_halt_uses_annualised_sigma():
    assert volatility_halt(0.05, 252.0, 0.5)  # 79 % annualised
    assert not volatility_halt(0.01, 252.0, 0.5)
    assert not volatility_halt(math.nan, 252.0, 0.5)
    assert not volatility_halt(0.05, 252.0, 0.0)
