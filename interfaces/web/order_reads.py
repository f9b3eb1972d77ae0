"""Reads of orders: list filters narrowed to the caller's reach, past states, and the masked history."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.order import Order
from application.policy import OrderReach, Principal
from interfaces.web.context import civicflow, policy

PASSED_THROUGH = ("status", "category", "placed_after", "placed_before", "overdue", "cursor", "limit")


def order_filters(principal: Principal, query: dict[str, Any]) -> dict[str, Any] | None:
    """The read model's filters for this caller, or None when the query cannot match anything it may see."""
    filters = {key: query[key] for key in PASSED_THROUGH if key in query}
    site, volunteer = query.get("site_id"), query.get("volunteer_id")
    filters["site_ids"] = [site] if site else None
    filters["volunteer_id"] = volunteer
    if principal.role == "channel":
        filters["channel"] = principal.channel
    elif principal.role == "dispatcher":
        if site is not None and not policy().within(site, principal):
            return None
        if not site:  # the whole jurisdiction: the read model filters by its root (one index range)
            filters["jurisdiction"] = principal.site_id or ""
    elif principal.role == "volunteer":
        if volunteer is not None and volunteer != principal.volunteer_id:
            return None
        filters["volunteer_id"] = principal.volunteer_id
        filters["team_ids"] = sorted(policy().team_ids_of(principal)) or None
    return filters


def order_at(order: Order, version: int | None, as_of: datetime | None) -> Order | None:
    """The order as it was at a version, or at an instant (None if it had no such version or did not exist)."""
    if as_of is not None:
        version = version_at(order.id, as_of)
        if version is None:
            return None
    if version is None:
        return order
    past = civicflow().find(Order, order.id, version=version)
    return past if past is not None and past.version == version else None


def version_at(order_id: UUID, instant: datetime) -> int | None:
    events = civicflow().repository.event_store.get(order_id)
    versions = [e.originator_version for e in events if e.timestamp <= instant]
    return versions[-1] if versions else None


def history_items(principal: Principal, order: Order, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history, its sealed fields opened, and masked for anyone who may not read the resident's data."""
    reach = OrderReach.of_order(order)
    return [{**item, "data": jsonable(policy().readable(principal, reach, item["data"]))} for item in items]


def jsonable(value: Any) -> Any:
    """Event data as JSON: ids as strings, instants in RFC 3339."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value
