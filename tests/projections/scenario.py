"""A small district's day, driven through the application: every order state, teams, escalation, credit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID

from application.app import CivicFlow
from application.persistence.clock import ManualClock

SITE, OTHER_SITE = "post-babaoshan-01", "post-babaoshan-02"
STATION = "station-babaoshan"
RESIDENT = {"name": "Wang Fang", "phone": "13900000000", "address": "3 Bianfu Lane"}
DISPATCHER, CHANNEL = "dispatcher:d1", "channel:district-app"


@dataclass
class Day:
    volunteers: list[UUID] = field(default_factory=list)
    team: UUID | None = None
    orders: dict[str, UUID] = field(default_factory=dict)


def place(app: CivicFlow, site: str = SITE, category: str = "haircut", channel: str = "district-app") -> UUID:
    return app.place_order(category, site, f"{category} please", RESIDENT, channel, actor=CHANNEL).id


def serve(app: CivicFlow, clock: ManualClock, order: UUID, volunteer: UUID, minutes: int) -> None:
    app.dispatch_order(order, volunteer, actor=DISPATCHER)
    app.accept_order(order, volunteer, actor=f"volunteer:{volunteer}")
    app.start_service(order, volunteer, actor=f"volunteer:{volunteer}")
    clock.advance(timedelta(minutes=minutes))
    app.complete_service(order, volunteer, minutes, actor=f"volunteer:{volunteer}")


def district_day(app: CivicFlow, clock: ManualClock) -> Day:
    day = Day()
    for n in range(3):
        day.volunteers.append(app.register_volunteer(f"Volunteer {n}", f"1380000000{n}", SITE,
                                                     ["haircut", "health"], actor=DISPATCHER).id)
    day.team = app.create_team("Haircut team", SITE, day.volunteers[0], actor=DISPATCHER).id
    app.add_team_member(day.team, day.volunteers[1], actor=DISPATCHER)
    v0, v1, v2 = day.volunteers
    day.orders["placed"] = place(app, OTHER_SITE, "health", "hotline-12345")
    day.orders["dispatched"] = place(app)
    app.dispatch_order(day.orders["dispatched"], team_id=day.team, actor=DISPATCHER)
    day.orders["reviewed"] = place(app)
    serve(app, clock, day.orders["reviewed"], v0, 40)
    app.review_order(day.orders["reviewed"], 5, "great", actor=CHANNEL)
    day.orders["completed"] = place(app, category="health")
    serve(app, clock, day.orders["completed"], v1, 30)
    day.orders["cancelled"] = place(app)
    app.dispatch_order(day.orders["cancelled"], v2, actor=DISPATCHER)
    app.accept_order(day.orders["cancelled"], v2, actor=f"volunteer:{v2}")
    app.cancel_order(day.orders["cancelled"], "resident moved", actor=CHANNEL)
    day.orders["declined"] = place(app)
    app.dispatch_order(day.orders["declined"], v2, actor=DISPATCHER)
    app.decline_order(day.orders["declined"], v2, "too far", actor=f"volunteer:{v2}")
    clock.advance(timedelta(hours=3))
    app.escalate_order(day.orders["placed"], "not dispatched in time", actor="system:supervisor")
    app.set_availability(v2, False, actor=f"volunteer:{v2}")
    return day
