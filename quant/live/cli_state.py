"""``quant live`` state commands: status, halt, resume, recovery, orders, positions (``--json``).

``state_app`` has no name of its own: ``quant/live/cli.py`` merges it into the ``live``
group next to the engine's commands. Light at import time (typer only); the ledger,
SQLAlchemy and the risk code are imported inside the command bodies.
"""

from __future__ import annotations

import getpass
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer

from quant.cli_output import JsonOpt, emit

if TYPE_CHECKING:
    from quant.live.ledger import Ledger

state_app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)

ScopeOpt = Annotated[str, typer.Option("--scope", help="HALT scope: global or a strategy.")]
WhoOpt = Annotated[str | None, typer.Option("--who", help="Who acts (default: OS user).")]


def _ledger(ctx: typer.Context) -> Ledger:
    from quant.cli_context import settings
    from quant.live.ledger import Ledger

    return Ledger.from_settings(settings(ctx))


def _plain(obj: Any) -> Any:
    """Decimals as exact strings, recursively (JSON and tables show the stored digits)."""
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


def _who(who: str | None) -> str:
    return who or getpass.getuser()


@state_app.command("status")
def status(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """HALT state, circuit breakers, open orders and positions at a glance."""
    from quant.live.status import live_status, status_lines

    out = live_status(_ledger(ctx))
    emit(_plain(out) if as_json else status_lines(out), as_json)


@state_app.command("halt")
def halt(
    ctx: typer.Context,
    reason: Annotated[str, typer.Option("--reason", help="Why trading stops (audited).")],
    action: Annotated[
        str | None, typer.Option("--action", help="close or freeze (default: configured).")
    ] = None,
    scope: ScopeOpt = "global",
    who: WhoOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Stop trading now; the live job closes or freezes positions on its next run."""
    from quant.errors import QuantError
    from quant.live.halt import HaltSwitch

    if action not in (None, "close", "freeze"):
        raise QuantError(f"--action must be close or freeze, got {action!r}")
    if not reason.strip():
        raise QuantError("--reason must say why trading is halted")
    res = HaltSwitch(_ledger(ctx), scope=scope).halt("manual", reason, _who(who), action)  # type: ignore[arg-type]
    emit({"scope": scope, "halted": True, "new": res.new, "episode": res.episode,
          "action": res.action, "code": res.code, "reason": res.reason}, as_json)  # fmt: skip


@state_app.command("recovery")
def recovery(
    ctx: typer.Context,
    step: Annotated[str | None, typer.Option("--step", help="Confirm this checklist step.")] = None,
    why: Annotated[str | None, typer.Option("--why", help="What was checked (audited).")] = None,
    scope: ScopeOpt = "global",
    who: WhoOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the recovery checklist, or confirm one step of it (--step S --why TEXT)."""
    from quant.errors import QuantError
    from quant.live.halt import RECOVERY_STEPS, HaltSwitch

    switch = HaltSwitch(_ledger(ctx), scope=scope)
    if step is not None:
        if why is None:
            raise QuantError("--why is required with --step")
        switch.confirm_step(step, _who(who), why)
    st = switch.status()
    done = {s["step"]: s for s in st["steps_done"]}
    rows = [{"step": s, "done": s in done, "who": done.get(s, {}).get("who"),
             "why": done.get(s, {}).get("why"), "ts": done.get(s, {}).get("ts")}
            for s in RECOVERY_STEPS]  # fmt: skip
    if as_json:
        emit({"scope": scope, "halted": st["halted"], "steps": rows}, True)
    else:
        emit(rows, False, ["step", "done", "who", "why"])


@state_app.command("resume")
def resume(
    ctx: typer.Context,
    why: Annotated[str, typer.Option("--why", help="Why trading may resume (audited).")],
    scope: ScopeOpt = "global",
    who: WhoOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Lift the HALT; refused until every recovery step is confirmed."""
    from quant.live.halt import HaltSwitch

    HaltSwitch(_ledger(ctx), scope=scope).resume(_who(who), why)
    emit({"scope": scope, "halted": False}, as_json)


@state_app.command("orders")
def orders(
    ctx: typer.Context,
    strategy: Annotated[
        str | None, typer.Option("--strategy", help="Only this strategy (engine) name.")
    ] = None,
    status: Annotated[str | None, typer.Option("--status", help="e.g. filled")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only working orders.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Orders in the ledger (oldest first)."""
    from quant.live.ledger import OPEN_STATUSES

    statuses: Any = list(OPEN_STATUSES) if open_only else status
    rows = _plain(_ledger(ctx).orders(strategy=strategy, status=statuses))
    cols = ["client_order_id", "strategy", "symbol", "side", "order_type", "qty", "filled_qty",
            "limit_price", "stop_price", "status", "bar_ts"]  # fmt: skip
    emit(rows, as_json, cols)


@state_app.command("positions")
def positions(
    ctx: typer.Context,
    strategy: Annotated[
        str | None, typer.Option("--strategy", help="Only this strategy (engine) name.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Positions in the ledger (signed units, average price)."""
    rows = _plain(_ledger(ctx).positions(strategy))
    emit(rows, as_json, ["strategy", "symbol", "qty", "avg_price", "updated_ns"])
