"""quant.risk is the live job's door to the risk kernels: the very functions the core runs."""

from quant.core.risk import limits as core_limits
from quant.core.risk import sizing as core_sizing
from quant.risk import limits, sizing


def test_quant_risk_reexports_the_core_kernels():
    assert set(limits.__all__) == {"account_halt", "cap_exposure", "cap_position",
                                   "volatility_halt"}  # fmt: skip
    assert limits.cap_position is core_limits.cap_position
    assert limits.account_halt is core_limits.account_halt
    assert sizing.size_units is core_sizing.size_units
    assert sizing.shrink_for_impact is core_sizing.shrink_for_impact
