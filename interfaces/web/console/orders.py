"""The order page: the order as the policy shows it to the person, and the dispatcher's commands on it
(dispatch to a volunteer, a team or auto, recall, cancel), each answered by the order panel redrawn in place.

The commands are the application's, called as the API calls them (commands.run, order_access.py): the same
policy check on the copy the command loads, the same errors, shown inline (errors.py)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_smorest import abort

from application.idempotency import CommandResult
from domain.order import Order
from domain.team import Team
from domain.volunteer import Volunteer
from interfaces.web.console.session import person_required
from interfaces.web.context import civicflow, now, read_model
from interfaces.web.order_access import dispatch_as_asked, present, run_on_order, visible_order

blp = Blueprint("console_orders", __name__, url_prefix="/console/orders")
REASON_LIMIT = 500


@blp.get("/<uuid:order_id>")
@person_required("dispatcher", "inspector")
def order_page(order_id: UUID) -> Any:
    return render_order(visible_order(order_id), "console/order.html")


@blp.post("/<uuid:order_id>/dispatch")
@person_required("dispatcher")
def dispatch(order_id: UUID) -> Any:
    mode, version = request.form.get("mode", "auto"), expected_version()
    if mode not in ("auto", "volunteer", "team"):
        abort(422, message="choose auto, a volunteer or a team")
    ids = {} if mode == "auto" else {f"{mode}_id": form_uuid(f"{mode}_id")}
    return answered(dispatch_as_asked(order_id, auto=mode == "auto", expected_version=version, **ids))


@blp.post("/<uuid:order_id>/recall")
@person_required("dispatcher")
def recall(order_id: UUID) -> Any:
    result = run_on_order(civicflow().recall_order, order_id, reason(), expected_version=expected_version())
    return answered(result)


@blp.post("/<uuid:order_id>/cancel")
@person_required("dispatcher")
def cancel(order_id: UUID) -> Any:
    result = run_on_order(civicflow().cancel_order, order_id, reason(), expected_version=expected_version())
    return answered(result)


def answered(result: CommandResult) -> Any:
    """htmx: the order panel redrawn; a plain form: back to the order page (so a reload does not post again)."""
    if not request.headers.get("HX-Request"):
        return redirect(url_for("console_orders.order_page", order_id=result.id))
    order = result.aggregate if isinstance(result.aggregate, Order) else civicflow().find(Order, result.id)
    return render_order(order, "console/_order_panel.html")


def render_order(order: Order, template: str) -> Any:
    candidates: list[dict[str, Any]] = []
    teams: list[Team] = []
    if g.principal.role == "dispatcher" and order.status == "placed":
        candidates, _ = read_model().volunteers(site_ids=[order.site_id], skill=order.category, available=True,
                                                limit=50)
        teams = site_teams(order.site_id)
    return render_template(template, order=present(order), explanation=order.dispatch_explanation,
                           candidates=candidates, teams=teams, now=now(), may_act=g.principal.role == "dispatcher",
                           assignee_name=assignee_name(order))


def site_teams(site_id: str) -> list[Team]:
    """The teams the site's volunteers belong to (from the roster), by name: the ones to offer for its orders."""
    volunteers, _ = read_model().volunteers(site_ids=[site_id], limit=100)
    team_ids = dict.fromkeys(UUID(team_id) for row in volunteers for team_id in row["team_ids"])
    teams = (civicflow().peek(Team, team_id) for team_id in team_ids)
    return sorted((team for team in teams if team is not None), key=lambda team: team.name)


def assignee_name(order: Order) -> str | None:
    """The name of the volunteer or team the order is dispatched to (people read names, not ids)."""
    volunteer_id, team_id = order.assignee_volunteer_id, order.assignee_team_id
    assignee = (civicflow().peek(Volunteer, volunteer_id) if volunteer_id else
                civicflow().peek(Team, team_id) if team_id else None)
    return assignee.name if assignee is not None else None


def expected_version() -> int | None:
    text = request.form.get("version", "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 12:
        abort(422, message="version must be a whole number")
    return int(text)


def form_uuid(field: str) -> UUID:
    try:
        return UUID(request.form.get(field, ""))
    except ValueError:
        abort(422, message=f"{field} must be an id (a UUID)")
        raise  # abort raises; this tells the type checker so


def reason() -> str:
    text = request.form.get("reason", "").strip()
    if not text or len(text) > REASON_LIMIT:
        abort(422, message=f"a reason of 1 to {REASON_LIMIT} characters is needed")
    return text
