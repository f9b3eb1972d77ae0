"""A plain-Python model of the order workflow, written from DESIGN §4 independently of domain/.

Each command method answers the error the real system must raise (and then changes nothing), or None after
applying the command to the model. Views are plain dicts so that a disagreement prints readably.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from application.errors import UnknownReference
from domain.order import InvalidOrder
from domain.volunteer import AtCapacity, MissingSkill, VolunteerSuspended, VolunteerUnavailable

Outcome = type[Exception] | None
# A small corner of the reference data: three categories and a site chain post → station → center.
HOME_SERVICE = {"elderly-care": True, "health": True, "legal-aid": False}
PARENT = {"post-babaoshan-01": "station-babaoshan", "station-babaoshan": "center", "base-01": "center",
          "center": None}
DISPATCH_WITHIN = {"normal": timedelta(hours=2), "urgent": timedelta(minutes=30)}
ACCEPT_WITHIN, REVIEW_WITHIN, TOLERANCE = timedelta(hours=1), timedelta(days=7), timedelta(minutes=15)


@dataclass
class ModelVolunteer:
    id: UUID
    skills: list[str]
    capacity: int
    team_ids: list[UUID]
    version: int
    available: bool = True
    suspended: bool = False
    active: list[UUID] = field(default_factory=list)
    completed: int = 0
    minutes: int = 0
    ratings: list[int] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return dict(version=self.version, available=self.available, suspended=self.suspended,
                    active=self.active, completed=self.completed, minutes=self.minutes,
                    ratings=(len(self.ratings), sum(self.ratings)), skills=sorted(self.skills),
                    team_ids=self.team_ids)

    def cannot_take(self, category: str) -> Outcome:
        if self.suspended:
            return VolunteerSuspended
        if not self.available:
            return VolunteerUnavailable
        if category not in self.skills:
            return MissingSkill
        return AtCapacity if len(self.active) >= self.capacity else None


def volunteer_view(v: Any) -> dict[str, Any]:
    return dict(version=v.version, available=v.available, suspended=v.suspended, active=v.active_orders,
                completed=v.completed_orders, minutes=v.service_minutes, ratings=(v.rating_count, v.rating_total),
                skills=sorted(v.skills), team_ids=v.team_ids)


@dataclass
class ModelOrder:
    id: UUID
    category: str
    site_id: str
    dispatch_by: datetime
    version: int = 1
    status: str = "placed"
    volunteer: UUID | None = None
    team: UUID | None = None
    accept_by: datetime | None = None
    accepted_by: UUID | None = None
    started_at: datetime | None = None
    minutes: int | None = None
    review_by: datetime | None = None
    rating: int | None = None
    declined_by: list[UUID] = field(default_factory=list)
    escalated_to: list[str] = field(default_factory=list)

    @property
    def responsible_site(self) -> str:
        return self.escalated_to[-1] if self.escalated_to else self.site_id

    def view(self) -> dict[str, Any]:
        return dict(version=self.version, status=self.status, volunteer=self.volunteer, team=self.team,
                    dispatch_by=self.dispatch_by, accept_by=self.accept_by, accepted_by=self.accepted_by,
                    started_at=self.started_at, minutes=self.minutes, review_by=self.review_by, rating=self.rating,
                    declined_by=self.declined_by, responsible_site=self.responsible_site,
                    escalations=len(self.escalated_to))

    def back_to_placed(self) -> None:
        self.status, self.volunteer, self.team, self.accept_by = "placed", None, None, None
        self.version += 1


def order_view(o: Any) -> dict[str, Any]:
    return dict(version=o.version, status=o.status, volunteer=o.assignee_volunteer_id, team=o.assignee_team_id,
                dispatch_by=o.dispatch_by, accept_by=o.accept_by, accepted_by=o.accepted_by,
                started_at=o.started_at, minutes=o.service_minutes, review_by=o.review_by, rating=o.rating,
                declined_by=o.declined_by, responsible_site=o.responsible_site_id, escalations=len(o.escalations))


def placement_error(category: str, site_id: str, resident: dict[str, str], priority: str) -> Outcome:
    if category not in HOME_SERVICE or site_id not in PARENT:
        return UnknownReference
    if not resident.get("name") or not resident.get("phone"):
        return InvalidOrder
    if HOME_SERVICE[category] and not resident.get("address"):
        return InvalidOrder
    return None if priority in DISPATCH_WITHIN else InvalidOrder
