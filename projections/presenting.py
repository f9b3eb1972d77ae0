"""The one place that turns an order, a volunteer (or their leaderboard entry), a team, a site or a site's
numbers into plain values, in the shapes of DESIGN §8 (as `interface.py` does in eventsourcing's cargoshipping
example).

An order or a volunteer is written once, as a view row (`order_row`, `volunteer_row`): queries and replays
hold rows, and a command's aggregate is first turned into the row its view would hold (`order`,
`volunteer`), so that a command and a query cannot answer the same order in two shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.door_codes import MAX_TRIES, without_digests
from domain.order import Order, door_code_states, overdue
from domain.site import Site
from domain.team import Team
from domain.volunteer import Volunteer, stars_for_minutes
from projections.views.tables import STATUS_COLUMNS

Row = Mapping[str, Any]


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def order(aggregate: Order, now: datetime) -> dict[str, Any]:
    return order_row(_board_fields(aggregate), now)


def order_row(row: Row, now: datetime) -> dict[str, Any]:
    """A row of order_board (or one folded in memory) as the order of DESIGN §8."""
    assignee = ({"volunteer_id": row["assignee_volunteer_id"]} if row["assignee_volunteer_id"]
                else {"team_id": row["assignee_team_id"]} if row["assignee_team_id"] else None)
    return {
        "id": row["id"], "status": row["status"], "category": row["category"], "site_id": row["site_id"],
        "description": row["description"], "channel": row["channel"], "priority": row["priority"],
        "resident": {key: row["resident"].get(key) for key in ("name", "phone", "address")},
        "placed_at": row["placed_at"], "assignee": assignee, "accepted_by": row["accepted_by"],
        "started_at": row["started_at"], "completed_at": row["completed_at"],
        "service_minutes": row["service_minutes"], "rating": row["rating"], "comment": row["comment"],
        "cancel_reason": row["cancel_reason"],
        "escalations": [{**step, "at": datetime.fromisoformat(step["at"])} for step in row["escalations"]],
        "deadlines": {name: row[name] for name in ("dispatch_by", "accept_by", "complete_by", "review_by")},
        "overdue": overdue(row["status"], row, now), "service_basis": row["service_basis"],
        "door_codes": _door_codes(row["door_codes"], row["status"], now), "version": row["version"],
    }


def _door_codes(held: Row | None, status: str, now: datetime) -> dict[str, Any] | None:
    """The door codes' states (DESIGN §17); the plain codes are added by the policy, for the placing channel only."""
    if held is None:
        return None
    expires_at = datetime.fromisoformat(held["expires_at"])
    states = door_code_states({**held, "expires_at": expires_at}, status, now)
    return {"issued_version": held["issued_version"], "expires_at": expires_at,
            **{kind: {"state": state, "code": None, "tries_left": max(MAX_TRIES - held[kind]["failures"], 0)}
               for kind, state in states.items()}}


def _board_fields(o: Order) -> dict[str, Any]:
    """The fields of the order_board row the order's events fold into (escalation times as the JSON holds them)."""
    return {
        "id": str(o.id), "status": o.status, "category": o.category, "site_id": o.site_id,
        "description": o.description, "channel": o.channel, "priority": o.priority, "resident": o.resident,
        "placed_at": o.placed_at, "assignee_volunteer_id": _text(o.assignee_volunteer_id),
        "assignee_team_id": _text(o.assignee_team_id), "accepted_by": _text(o.accepted_by),
        "started_at": o.started_at, "completed_at": o.completed_at, "service_minutes": o.service_minutes,
        "rating": o.rating, "comment": o.comment, "cancel_reason": o.cancel_reason,
        "escalations": [{**step, "at": step["at"].isoformat()} for step in o.escalations],
        **o.deadlines, "service_basis": o.service_basis, "door_codes": _held_codes(o), "version": o.version,
    }


def _held_codes(o: Order) -> dict[str, Any] | None:
    """The door codes as the order_board row holds them: no digests, the expiry as JSON holds it."""
    held = o.door_codes
    return None if held is None else without_digests({**held, "expires_at": held["expires_at"].isoformat()})


def volunteer(aggregate: Volunteer) -> dict[str, Any]:
    v = aggregate
    return volunteer_row({
        "id": str(v.id), "name": v.name, "home_site_id": v.home_site_id, "skills": v.skills,
        "team_ids": [str(t) for t in v.team_ids], "available": v.available, "suspended": v.suspended,
        "active_orders": len(v.active_orders), "completed_orders": v.completed_orders,
        "service_minutes": v.service_minutes, "confirmed_minutes": v.confirmed_minutes,
        "declared_minutes": v.declared_minutes, "rating_count": v.rating_count, "rating_total": v.rating_total,
        "version": v.version,
    })


def volunteer_row(row: Row) -> dict[str, Any]:
    """A row of volunteer_roster as the volunteer of DESIGN §8."""
    return {
        "id": row["id"], "name": row["name"], "home_site_id": row["home_site_id"], "skills": list(row["skills"]),
        "team_ids": list(row["team_ids"]), "available": bool(row["available"]), "suspended": bool(row["suspended"]),
        "active_orders": row["active_orders"], "completed_orders": row["completed_orders"],
        "service_minutes": row["service_minutes"], "confirmed_minutes": row["confirmed_minutes"],
        "declared_minutes": row["declared_minutes"],
        "average_rating": _average(row["rating_total"], row["rating_count"]),
        "stars": stars_for_minutes(row["service_minutes"]), "version": row["version"],
    }


def leaderboard_entry(rank: int, row: Row) -> dict[str, Any]:
    """A row of volunteer_roster as an entry of a site's leaderboard."""
    return {"rank": rank, "volunteer_id": row["id"], "name": row["name"], "home_site_id": row["home_site_id"],
            "service_minutes": row["service_minutes"], "service_hours": round(row["service_minutes"] / 60, 1),
            "stars": stars_for_minutes(row["service_minutes"]), "completed_orders": row["completed_orders"],
            "average_rating": _average(row["rating_total"], row["rating_count"])}


def _average(rating_total: int, rating_count: int) -> float | None:
    """The average rating as shown everywhere (as Volunteer.average_rating): two decimals, None before any."""
    return round(rating_total / rating_count, 2) if rating_count else None


def team(aggregate: Team) -> dict[str, Any]:
    return {"id": str(aggregate.id), "name": aggregate.name, "site_id": aggregate.site_id,
            "member_ids": [str(m) for m in aggregate.member_ids], "version": aggregate.version}


def site(aggregate: Site) -> dict[str, Any]:
    s = aggregate
    return {"id": s.code, "name": s.name, "name_zh": s.name_zh, "level": s.level, "parent_id": s.parent_code,
            "lat": s.lat, "lon": s.lon}


def site_stats_row(row: Row) -> dict[str, Any]:
    """A row of site_stats as a site's numbers: counts by status, minutes, satisfaction, average stage times."""
    def average_minutes(kind: str) -> float | None:
        count = row[f"{kind}_count"]
        return round(row[f"{kind}_seconds"] / count / 60, 1) if count else None

    counts = {status: row[status] for status in STATUS_COLUMNS}
    reviews = row["rating_count"]
    return {"site_id": row["site_id"], "level": row["level"], "counts": counts, "total": sum(counts.values()),
            "service_minutes": row["service_minutes"],
            "satisfaction": {"reviews": reviews, "average_rating": _average(row["rating_total"], reviews)},
            "timings": {"minutes_to_dispatch": average_minutes("dispatch"),
                        "minutes_to_accept": average_minutes("accept"),
                        "minutes_to_complete": average_minutes("complete")}}


def resident_copy(orders: list[dict[str, Any]], erased_at: datetime | None) -> dict[str, Any]:
    """A resident's data request answered (PIPL Art. 45): their orders, opened by the caller, newest resident
    details first."""
    return {"resident": orders[-1]["resident"], "orders": orders, "erased_at": erased_at}
