"""What every console template can call: the signed-in person, the menu, and labels in the chosen language."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Flask, request, url_for
from flask_babel import format_datetime, format_time, get_locale, gettext, lazy_gettext

from interfaces.web.console.i18n import CONSOLE_PREFIX
from interfaces.web.console.session import current_principal
from interfaces.web.context import civicflow


class NavItem(NamedTuple):
    endpoint: str
    label: Any  # a lazy msgid: translated when the page is drawn
    roles: tuple[str, ...]


# The menu, in order; each area adds its own line (its endpoint, label and the roles that see it).
NAV: list[NavItem] = [
    NavItem("queue.queue_page", lazy_gettext("Queue"), ("dispatcher",)),
    NavItem("roster.roster_page", lazy_gettext("Roster"), ("dispatcher",)),
    NavItem("console_dashboard.dashboard_page", lazy_gettext("Dashboard"), ("dispatcher", "inspector", "admin")),
    NavItem("console_inspect.orders_page", lazy_gettext("Order timelines"), ("inspector", "admin")),
    NavItem("console_audit.trail_page", lazy_gettext("Audit trail"), ("inspector", "admin")),
    NavItem("console_audit.verification_page", lazy_gettext("Verification"), ("inspector", "admin")),
]
ROLE_LABELS = {"dispatcher": lazy_gettext("Dispatcher"), "inspector": lazy_gettext("Inspector"),
               "admin": lazy_gettext("Administrator")}
STATUS_LABELS = {
    "placed": lazy_gettext("Placed"), "dispatched": lazy_gettext("Dispatched"), "accepted": lazy_gettext("Accepted"),
    "in_service": lazy_gettext("In service"), "completed": lazy_gettext("Completed"),
    "reviewed": lazy_gettext("Reviewed"), "closed": lazy_gettext("Closed"), "cancelled": lazy_gettext("Cancelled"),
}
# Door codes (DESIGN §17): each code's state, and how an order's hours are known.
CODE_LABELS = {
    "active": lazy_gettext("not used yet"), "used": lazy_gettext("used"), "locked": lazy_gettext("locked"),
    "expired": lazy_gettext("expired"), "void": lazy_gettext("not needed any more"),
    "confirmed": lazy_gettext("confirmed by the resident's codes or a dispatcher"),
    "declared": lazy_gettext("declared by the volunteer"),
}
PROBLEM_TITLES = {
    "not-found": lazy_gettext("Not found"), "forbidden": lazy_gettext("Not allowed"),
    "invalid-transition": lazy_gettext("Not possible in the order's present state"),
    "stale-version": lazy_gettext("Someone changed this meanwhile: reload the page"),
    "no-eligible-volunteer": lazy_gettext("No eligible volunteer"), "conflict": lazy_gettext("Conflict"),
    "invalid-request": lazy_gettext("Invalid request"), "rule-violated": lazy_gettext("Rule violated"),
    "unprocessable-content": lazy_gettext("Invalid request"), "bad-request": lazy_gettext("Bad request"),
    "csrf": lazy_gettext("The form has expired or did not come from this console: reload the page"),
    "store-unavailable": lazy_gettext("The store is busy: try again"),
}


def install(app: Flask) -> None:
    app.context_processor(lambda: HELPERS if request.path.startswith(CONSOLE_PREFIX) else {})


def console_person() -> Any:
    return current_principal()


def console_nav(person: Any) -> list[dict[str, Any]]:
    return [{"url": url_for(item.endpoint), "label": item.label, "current": request.endpoint == item.endpoint}
            for item in NAV if person.role in item.roles]


def role_label(role: str) -> Any:
    return ROLE_LABELS.get(role, role)


def site_label(site_id: str | None) -> str:
    """A site by its name in the chosen language (its code when unknown)."""
    site = civicflow().sites.get(site_id) if site_id else None
    if site is None:
        return site_id or ""
    return site.name if english() else site.name_zh


def status_label(status: str) -> Any:
    return STATUS_LABELS.get(status, status)


def code_label(state: str) -> Any:
    return CODE_LABELS.get(state, state)


def category_label(code: str) -> str:
    category = civicflow().categories.get(code)
    if category is None:
        return code
    return category.name if english() else category.name_zh


def problem_title(status: int, slug: str) -> Any:
    return PROBLEM_TITLES.get(slug) or gettext("Error %(status)s", status=status)




def english() -> bool:
    return str(get_locale()) == "en"


HELPERS = {"console_person": console_person, "console_nav": console_nav, "role_label": role_label,
           "site_label": site_label, "problem_title": problem_title, "english": english,
           "status_label": status_label, "code_label": code_label, "category_label": category_label, "format_datetime": format_datetime,
           "format_time": format_time}
