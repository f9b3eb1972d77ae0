"""Representations of aggregates as plain dicts, in the same shape as the read model's rows (DESIGN §8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.order import Order
from domain.site import Site
from domain.team import Team
from domain.volunteer import Volunteer


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def order_view(order: Order, now: datetime) -> dict[str, Any]:
    return {
        "id": str(order.id), "status": order.status, "category": order.category, "site_id": order.site_id,
        "description": order.description, "channel": order.channel, "priority": order.priority,
        "resident": {"name": order.resident.get("name"), "phone": order.resident.get("phone"),
                     "address": order.resident.get("address")},
        "placed_at": order.placed_at, "assignee": _assignee(order), "accepted_by": _text(order.accepted_by),
        "started_at": order.started_at, "completed_at": order.completed_at,
        "service_minutes": order.service_minutes, "rating": order.rating, "comment": order.comment,
        "cancel_reason": order.cancel_reason, "escalations": [dict(e) for e in order.escalations],
        "deadlines": {"dispatch_by": order.dispatch_by, "accept_by": order.accept_by,
                      "complete_by": order.complete_by, "review_by": order.review_by},
        "overdue": order.is_overdue(now), "version": order.version,
    }


def _assignee(order: Order) -> dict[str, str] | None:
    if order.assignee_volunteer_id is not None:
        return {"volunteer_id": str(order.assignee_volunteer_id)}
    if order.assignee_team_id is not None:
        return {"team_id": str(order.assignee_team_id)}
    return None


def volunteer_view(volunteer: Volunteer) -> dict[str, Any]:
    return {
        "id": str(volunteer.id), "name": volunteer.name, "home_site_id": volunteer.home_site_id,
        "skills": list(volunteer.skills), "team_ids": [str(t) for t in volunteer.team_ids],
        "available": volunteer.available, "suspended": volunteer.suspended,
        "active_orders": len(volunteer.active_orders), "completed_orders": volunteer.completed_orders,
        "service_minutes": volunteer.service_minutes, "average_rating": volunteer.average_rating,
        "stars": volunteer.stars, "version": volunteer.version,
    }


def team_view(team: Team) -> dict[str, Any]:
    return {"id": str(team.id), "name": team.name, "site_id": team.site_id,
            "member_ids": [str(m) for m in team.member_ids], "version": team.version}


def site_view(site: Site) -> dict[str, Any]:
    return {"id": site.code, "name": site.name, "name_zh": site.name_zh, "level": site.level,
            "parent_id": site.parent_code, "lat": site.lat, "lon": site.lon}
