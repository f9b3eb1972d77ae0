"""Plain builders for domain tests: aggregates made directly, no application, no store."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from uuid import uuid4

from domain.base import CivicAggregate
from domain.order import Order
from domain.team import Team
from domain.volunteer import Volunteer

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
RESIDENT = {"name": "Wang Fang", "phone": "13900000000", "address": "3 Bianfu Lane"}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def volunteer(phone: str = "13800000001", skills: tuple[str, ...] = ("haircut",), capacity: int = 3) -> Volunteer:
    return Volunteer.register("Li Lei", phone, "post-babaoshan-01", list(skills), capacity, actor="dispatcher:d1",
                              at=T0)


def team(*members: Volunteer) -> Team:
    crew = Team.create(uuid4(), "Red Vests", "post-babaoshan-01", actor="dispatcher:d1", at=T0)
    for member in members:
        crew.add_member(member.id, actor="dispatcher:d1", at=T0)
        member.join_team(crew.id, actor="dispatcher:d1", at=T0)
    return crew


def placed(category: str = "haircut", priority: str = "normal", **overrides) -> Order:  # type: ignore[no-untyped-def]
    fields = dict(category=category, site_id="post-babaoshan-01", description="a haircut at home",
                  channel="district-app", priority=priority, resident=RESIDENT, window=None,
                  dispatch_by=at(120), complete_by=at(7 * 24 * 60), home_service=True,
                  actor="channel:district-app", at=T0)
    fields.update(overrides)
    return Order.place(uuid4(), **fields)


def dispatched_to(worker: Volunteer) -> Order:
    order = placed()
    order.dispatch(volunteer_id=worker.id, accept_by=at(60), actor="dispatcher:d1", at=at(1))
    return order


def accepted_by(worker: Volunteer) -> Order:
    order = dispatched_to(worker)
    order.accept(worker, None, actor=f"volunteer:{worker.id}", at=at(2))
    return order


def in_service_by(worker: Volunteer) -> Order:
    order = accepted_by(worker)
    order.start_service(worker, actor=f"volunteer:{worker.id}", at=at(10))
    return order


def completed_by(worker: Volunteer, minutes: int = 40) -> Order:
    order = in_service_by(worker)
    order.complete_service(worker, minutes, "done", review_by=at(60 + 7 * 24 * 60),
                           actor=f"volunteer:{worker.id}", at=at(60))
    return order


def order_event_classes() -> set[type]:
    """Every event class Order declares (not the library's own Event and Created bases)."""
    return {cls for name, cls in vars(Order).items()
            if isinstance(cls, type) and issubclass(cls, CivicAggregate.Event) and name not in vars(CivicAggregate)}


def triggered_event_classes() -> set[type]:
    """The event classes that are recorded: those no other event class derives from (Undispatched is a base)."""
    classes = order_event_classes()
    return {cls for cls in classes if not any(other is not cls and issubclass(other, cls) for other in classes)}
