"""The inspector's order timeline: who did what and when (the audit trail's events of the order, personal fields
masked by the policy, as the API's history), and the order as it stood at a chosen version or instant (replayed
from the store, as GET /api/v1/orders/{id}?version= / ?as_of=), swapped in by htmx as the scrubber moves."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import get_timezone, lazy_gettext
from werkzeug.exceptions import NotFound

from interfaces.web.console.dashboard import STATUS_LABELS
from interfaces.web.console.session import person_required
from interfaces.web.context import now, read_model
from interfaces.web.order_reads import history_items, jsonable, order_at
from interfaces.web.orders import present, visible_order

blp = Blueprint("console_inspect", __name__, url_prefix="/console/inspect")
INSPECTORS = ("inspector", "admin")
RECENT = 20
STATE_FIELDS = ("status", "category", "site_id", "priority", "channel", "resident", "description", "assignee",
                "accepted_by", "placed_at", "started_at", "completed_at", "service_minutes", "rating", "comment",
                "cancel_reason", "overdue")
FIELD_LABELS = {"status": lazy_gettext("Status"), "category": lazy_gettext("Category"), "site_id": lazy_gettext("Site"),
                "priority": lazy_gettext("Priority"), "channel": lazy_gettext("Channel"),
                "resident": lazy_gettext("Resident"), "description": lazy_gettext("Description"),
                "assignee": lazy_gettext("Assigned to"), "accepted_by": lazy_gettext("Accepted by"),
                "placed_at": lazy_gettext("Placed at"), "started_at": lazy_gettext("Started at"),
                "completed_at": lazy_gettext("Completed at"), "service_minutes": lazy_gettext("Service minutes"),
                "rating": lazy_gettext("Rating"), "comment": lazy_gettext("Comment"),
                "cancel_reason": lazy_gettext("Cancel reason"), "overdue": lazy_gettext("Overdue")}


@blp.get("/orders")
@person_required(*INSPECTORS)
def orders_page() -> Any:
    wanted = (request.args.get("order_id") or "").strip()
    if wanted:
        try:
            return redirect(url_for("console_inspect.timeline_page", order_id=UUID(wanted)))
        except ValueError:
            return render_template("console/inspect_orders.html", orders=recent(), wanted=wanted, invalid=True), 422
    return render_template("console/inspect_orders.html", orders=recent(), wanted="", invalid=False)


def recent() -> list[dict[str, Any]]:
    rows, _ = read_model().orders(now=now(), limit=RECENT)
    return rows


@blp.get("/orders/<uuid:order_id>")
@person_required(*INSPECTORS)
def timeline_page(order_id: UUID) -> Any:
    current = visible_order(order_id)
    events = history_items(g.principal, current, read_model().history(order_id))
    version, at = chosen_moment(current.version)
    state = state_at(current, version, at)
    return render_template("console/timeline.html", order=current, events=events, state=state,
                           version=state["version"] if state else version, at=request.args.get("at", ""))


@blp.get("/orders/<uuid:order_id>/as-of")
@person_required(*INSPECTORS)
def as_of_fragment(order_id: UUID) -> Any:
    current = visible_order(order_id)
    version, at = chosen_moment(current.version)
    return render_template("console/_as_of.html", order=current, state=state_at(current, version, at))


def chosen_moment(latest: int) -> tuple[int | None, datetime | None]:
    """`at` (a local date and time, in the console's time zone) wins over `version`; both default to now."""
    at = request.args.get("at", "").strip()
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise NotFound() from None
        return None, moment if moment.tzinfo else moment.replace(tzinfo=get_timezone())
    version = request.args.get("version", type=int)
    return (min(max(version, 1), latest) if version else latest), None


def state_at(current: Any, version: int | None, at: datetime | None) -> dict[str, Any] | None:
    """The order as it stood then, as the policy lets this person see it (None: it did not exist yet)."""
    past = order_at(current, version, at)
    if past is None:
        return None
    shown = jsonable(present(past, now_as=current))
    shown["status"] = str(STATUS_LABELS.get(past.status, past.status))  # in the reader's language
    return {"version": past.version, "status": past.status,
            "fields": [(FIELD_LABELS[name], shown.get(name)) for name in STATE_FIELDS]}
