"""An order as the caller may see it, shared by the JSON API (orders.py) and the console: loaded only when the
policy lets `g.principal` see it (else 404, like a missing one), presented masked as the policy says, and the
commands run on it as the caller (dispatch included, so both ask it the same way)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import g
from flask_smorest import abort

from application.errors import NotFound as OrderNotFound
from application.idempotency import CommandResult
from application.policy import OrderReach
from domain.order import Order
from interfaces.web.commands import idempotency_key, run
from interfaces.web.context import civicflow, now, policy, read_model
from projections import presenting


def present(order: Order, now_as: Order | None = None) -> dict[str, Any]:
    """The order as the caller may see it; a past state (`order`) is shown as the order stands now (`now_as`)
    allows: a volunteer's access that has ended does not come back by asking for an older version."""
    reach = OrderReach.of_order(now_as or order)
    return policy().readable(g.principal, reach, presenting.order(order, now()))


def visible_order(order_id: UUID) -> Order:
    """Load an order the caller may see; someone else's order answers 404, like a missing one."""
    order = civicflow().load(Order, order_id)
    policy().require_order(g.principal, OrderReach.of_order(order))
    return order


def require_visible(order_id: UUID) -> None:
    """The order must exist and be the caller's to see (else 404). Only read, never kept, so the store's
    current order is looked at without copying it."""
    order = civicflow().peek(Order, order_id)
    if order is None:
        raise OrderNotFound("order", order_id)  # the answer `load` gives for a missing order
    policy().require_order(g.principal, OrderReach.of_order(order))


def auto_dispatch(app: Any) -> Any:
    command = getattr(app, "auto_dispatch_order", None)
    if command is None:
        abort(422, message="auto-dispatch is not available", errors={"auto": ["auto-dispatch is not available"]})
    return command


def run_on_order(command: Callable[..., CommandResult], order_id: UUID, *args: Any, **kwargs: Any
                 ) -> CommandResult:
    """Run a command on an order the caller must be able to see (else 404): the command checks it, with the
    policy, on the copy it loads, so the order is read once. A keyed retry may be answered without loading it,
    so it is checked first."""
    if idempotency_key() is not None:
        require_visible(order_id)
    return run(command, order_id, *args, principal=g.principal, **kwargs)


def dispatch_as_asked(order_id: UUID, *, auto: bool, volunteer_id: UUID | None = None, team_id: UUID | None = None,
                      expected_version: int | None = None) -> CommandResult:
    """派单: `auto` by the dispatch policy, else to one volunteer or to a team."""
    app = civicflow()
    if not auto:
        return run_on_order(app.dispatch_order, order_id, volunteer_id, team_id, expected_version=expected_version)
    require_visible(order_id)  # before the catch-up below: refuse someone else's order cheaply
    read_model()  # catch the roster up first, so the candidates reflect every command answered so far
    return run(auto_dispatch(app), order_id, expected_version=expected_version)
