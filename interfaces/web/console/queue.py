"""The dispatcher's queue: the open orders of its jurisdiction, escalated and overdue first, with deadline
countdowns, filters and keyset paging; htmx refreshes the table in place."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from flask import Blueprint, g, render_template, request
from flask_smorest import abort

from domain.order import DEADLINE_IN_STATUS
from interfaces.web.console.session import person_required
from interfaces.web.context import civicflow, now, policy, read_model

blp = Blueprint("queue", __name__, url_prefix="/console/queue")
CHINA = timezone(timedelta(hours=8))  # dates typed by people in Beijing: a day starts at 00:00 +08:00
PAGE_SIZE = 50


@blp.get("")
@person_required("dispatcher")
def queue_page() -> Any:
    principal = g.principal
    filters = queue_filters(request.args)
    rows, cursor = read_model().queue(now=now(), limit=PAGE_SIZE, **filters)
    orders = policy().shown_all(g.principal, rows)
    template = "console/_queue_table.html" if request.headers.get("HX-Request") else "console/queue.html"
    return render_template(template, orders=orders, next_cursor=cursor, args=request.args, now=now(),
                           sites=civicflow().sites.subtree(principal.site_id),
                           categories=civicflow().categories, statuses=tuple(DEADLINE_IN_STATUS))


def queue_filters(args: Any) -> dict[str, Any]:
    """The query string → the queue's filters; a value that cannot be used is a 422 shown on the page."""
    principal, filters = g.principal, {"jurisdiction": g.principal.site_id}
    status, category, site = args.get("status") or None, args.get("category") or None, args.get("site") or None
    if status is not None and status not in DEADLINE_IN_STATUS:
        abort(422, message=f"status {status!r} is not an open status ({', '.join(DEADLINE_IN_STATUS)})")
    if category is not None and category not in civicflow().categories:
        abort(422, message=f"there is no category {category!r}")
    if site is not None:
        if not policy().within(site, principal):
            abort(422, message=f"site {site!r} is not in your jurisdiction")
        filters["jurisdiction"] = site
    filters.update(status=status, category=category, cursor=args.get("cursor") or None,
                   placed_after=_day(args, "placed_after"), placed_before=_day(args, "placed_before", 1))
    return filters


def _day(args: Any, name: str, after_days: int = 0) -> datetime | None:
    text = args.get(name)
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        abort(422, message=f"{name} must be a date (YYYY-MM-DD), not {text[:40]!r}")
    return datetime.combine(day + timedelta(days=after_days), time(), CHINA)


def due_of(order: dict[str, Any]) -> datetime | None:
    name = DEADLINE_IN_STATUS.get(order["status"])
    return order["deadlines"][name] if name else None


def countdown(due: datetime | None, at: datetime) -> dict[str, Any] | None:
    """How long until the deadline (or since it passed), in whole minutes, for the template to word."""
    if due is None:
        return None
    minutes = int((due - at).total_seconds() // 60)
    left = abs(minutes)
    return {"overdue": minutes < 0, "hours": left // 60, "minutes": left % 60}


@blp.app_template_global()
def queue_countdown(order: dict[str, Any], at: datetime) -> dict[str, Any] | None:
    return countdown(due_of(order), at)
