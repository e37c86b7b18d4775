"""Parsing the ``quant backtest`` cost and sizing options into config models.

``--fees PCT[,FIXED[,MIN]]``: PCT in percent of notional (0.1 = 0.1 %), FIXED and MIN in
quote currency per fill. ``--slippage none | constant:BPS | linear:K | sqrt:K``. An option
left out (None) means the default costs of ``quant.backtest.config`` (``DEFAULT_FEES``,
``DEFAULT_SLIPPAGE``), the same for the CLI, the library and the Dagster assets.
``--sizing fixed:QTY | fraction:F | risk:R | vol:TARGET | kelly:CAP`` (fractions, not percent).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from quant.backtest.config import (
    DEFAULT_FEES,
    DEFAULT_SLIPPAGE,
    BacktestConfig,
    Fees,
    Sizing,
    Slippage,
)
from quant.errors import QuantError


class OptionError(QuantError):
    """A command-line option value cannot be parsed (names the option and the form)."""


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise OptionError(f"{option}: {text!r} is not a number") from None


def parse_fees(text: str | None) -> Fees:
    """``PCT[,FIXED[,MIN]]`` -> Fees (PCT in percent); None -> the default fees."""
    if text is None:
        return DEFAULT_FEES
    parts = [p.strip() for p in text.split(",")]
    if not 1 <= len(parts) <= 3 or not all(parts):
        raise OptionError(f"--fees {text!r}: want PCT[,FIXED[,MIN]]")
    nums = [_number(p, "--fees") for p in parts] + [0.0, 0.0]
    try:
        return Fees(pct=nums[0] / 100.0, fixed=nums[1], minimum=nums[2])
    except ValidationError as err:
        raise OptionError(f"--fees {text!r}: {err.errors()[0]['msg']}") from None


def parse_slippage(text: str | None) -> Slippage:
    """``none`` or ``MODEL:PARAM`` with MODEL in constant (bps), linear, sqrt; None -> default."""
    if text is None:
        return DEFAULT_SLIPPAGE
    model, _, param = text.partition(":")
    model = model.strip().lower()
    if model == "none" and not param:
        return Slippage()
    if model not in ("constant", "linear", "sqrt") or not param:
        raise OptionError(f"--slippage {text!r}: want none, constant:BPS, linear:K or sqrt:K")
    try:
        return Slippage(model=model, param=_number(param, "--slippage"))  # type: ignore[arg-type]
    except ValidationError as err:
        raise OptionError(f"--slippage {text!r}: {err.errors()[0]['msg']}") from None


def parse_sizing(text: str) -> Sizing:
    """``RULE:VALUE`` with RULE in fixed, fraction, risk, vol, kelly."""
    rule, _, value = text.partition(":")
    rule = rule.strip().lower()
    if rule not in ("fixed", "fraction", "risk", "vol", "kelly") or not value:
        raise OptionError(
            f"--sizing {text!r}: want fixed:QTY, fraction:F, risk:R, vol:TARGET or kelly:CAP"
        )
    try:
        return Sizing(rule=rule, value=_number(value, "--sizing"))  # type: ignore[arg-type]
    except ValidationError as err:
        raise OptionError(f"--sizing {text!r}: {err.errors()[0]['msg']}") from None


def parse_date(text: str | None, option: str) -> date | None:
    """``YYYY-MM-DD`` -> date (None passes through)."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise OptionError(f"{option} {text!r}: want YYYY-MM-DD") from None


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    """``name=value`` pairs (values are validated by the strategy's Params model)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise OptionError(f"--param {pair!r}: want name=value")
        out[key.strip()] = value.strip()
    return out


def backtest_config(
    sizing: str, fees: str | None, slippage: str | None, **fields: object
) -> BacktestConfig:
    """A BacktestConfig from option strings (sizing, fees, slippage) and plain fields.

    A field out of bounds becomes an ``OptionError`` naming it (exit 2), as for any option.
    """
    try:
        return BacktestConfig(
            sizing=parse_sizing(sizing),
            fees=parse_fees(fees),
            slippage=parse_slippage(slippage),
            **fields,  # type: ignore[arg-type]
        )
    except ValidationError as err:
        e = err.errors()[0]
        raise OptionError(f"{'.'.join(map(str, e['loc']))}: {e['msg']}") from None
