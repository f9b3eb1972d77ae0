"""volunteer_roster: one row per volunteer, folded from the Volunteer events (load, credit, rating, teams)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

from domain.door_codes import CONFIRMED
from domain.volunteer import Volunteer
from projections.views.rows import Fold, Row, fold_rows
from projections.views.runner import Item


def _changed(row: Row | None, event: Any, **changes: Any) -> Row:
    assert row is not None, f"{type(event).__name__} before the volunteer registered"
    return {**row, **changes, "version": event.originator_version}


def _registered(row: Row | None, e: Any) -> Row:
    return {"id": str(e.originator_id), "name": e.name, "home_site_id": e.home_site_id, "skills": list(e.skills),
            "team_ids": [], "available": True, "suspended": False, "active_order_ids": [], "active_orders": 0,
            "completed_orders": 0, "service_minutes": 0, "confirmed_minutes": 0, "declared_minutes": 0,
            "rating_count": 0, "rating_total": 0,
            "version": e.originator_version}


def _with_active(row: Row | None, e: Any, active: list[str], **changes: Any) -> Row:
    return _changed(row, e, active_order_ids=active, active_orders=len(active), **changes)


def _taken(row: Row | None, e: Any) -> Row:
    return _with_active(row, e, [*row["active_order_ids"], str(e.order_id)])  # type: ignore[index]


def _released(row: Row | None, e: Any) -> Row:
    return _with_active(row, e, [o for o in row["active_order_ids"] if o != str(e.order_id)])  # type: ignore


def _credited(row: Row | None, e: Any) -> Row:
    assert row is not None
    basis = "confirmed_minutes" if e.basis == CONFIRMED else "declared_minutes"
    return _with_active(row, e, [o for o in row["active_order_ids"] if o != str(e.order_id)],
                        completed_orders=row["completed_orders"] + 1,
                        service_minutes=row["service_minutes"] + e.minutes, **{basis: row[basis] + e.minutes})


def _confirmed(row: Row | None, e: Any) -> Row:
    assert row is not None
    return _changed(row, e, confirmed_minutes=row["confirmed_minutes"] + e.minutes,
                    declared_minutes=row["declared_minutes"] - e.minutes)


def _corrected(row: Row | None, e: Any) -> Row:
    assert row is not None
    change, basis = e.minutes - e.previous_minutes, "confirmed_minutes" if e.basis == CONFIRMED else "declared_minutes"
    return _changed(row, e, service_minutes=row["service_minutes"] + change, **{basis: row[basis] + change})


def _rated(row: Row | None, e: Any) -> Row:
    assert row is not None
    return _changed(row, e, rating_count=row["rating_count"] + 1, rating_total=row["rating_total"] + e.rating)


VOLUNTEER_FOLDS: dict[type, Fold] = {
    Volunteer.Registered: _registered,
    Volunteer.SkillsChanged: lambda r, e: _changed(r, e, skills=list(e.skills)),
    Volunteer.AvailabilityChanged: lambda r, e: _changed(r, e, available=e.available),
    Volunteer.JoinedTeam: lambda r, e: _changed(r, e, team_ids=[*r["team_ids"], str(e.team_id)]),  # type: ignore
    Volunteer.Suspended: lambda r, e: _changed(r, e, suspended=True),
    Volunteer.Reinstated: lambda r, e: _changed(r, e, suspended=False),
    Volunteer.OrderTaken: _taken,
    Volunteer.OrderReleased: _released,
    Volunteer.ServiceCredited: _credited,
    Volunteer.ServiceConfirmed: _confirmed,
    Volunteer.ServiceCorrected: _corrected,
    Volunteer.Rated: _rated,
}


class VolunteerRoster:
    name = "volunteer_roster"

    def __init__(self, table: Table):
        self.table = table

    def apply(self, conn: Connection, items: Sequence[Item]) -> None:
        fold_rows(conn, self.table, items, VOLUNTEER_FOLDS)

