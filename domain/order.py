"""The Order aggregate: 点单 → 派单 → 接单 → service → 评单, with recall, decline, expiry, escalation, cancel."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain import door_codes as codes
from domain.base import CivicAggregate, DomainError, InvalidTransition
from domain.door_codes import COMPLETE, CONFIRMED, DECLARED, START
from domain.team import Team
from domain.volunteer import Volunteer

PLACED, DISPATCHED, ACCEPTED, IN_SERVICE = "placed", "dispatched", "accepted", "in_service"
COMPLETED, REVIEWED, CLOSED, CANCELLED = "completed", "reviewed", "closed", "cancelled"
STATUSES = (PLACED, DISPATCHED, ACCEPTED, IN_SERVICE, COMPLETED, REVIEWED, CLOSED, CANCELLED)
PRIORITIES = ("normal", "urgent")
DEFAULT_TOLERANCE = timedelta(minutes=15)


class NotAssignee(DomainError):
    def __init__(self) -> None:
        super().__init__("the order is not assigned to this volunteer or to a team they belong to")


class NotAcceptor(DomainError):
    def __init__(self) -> None:
        super().__init__("only the volunteer who accepted the order may do this")


class InvalidServiceMinutes(DomainError):
    """Service minutes must be positive and fit between start and completion (plus a tolerance)."""

    field = "service_minutes"


class InvalidRating(DomainError):
    field = "rating"

    def __init__(self) -> None:
        super().__init__("a rating is a whole number from 1 to 5")


class InvalidOrder(DomainError):
    """Order data that breaks a rule (unknown priority, window ending before it starts, missing address)."""


class DeadlineNotReached(DomainError):
    def __init__(self, deadline: str) -> None:
        super().__init__(f"the {deadline} deadline has not passed yet")


class AlreadyEscalated(DomainError):
    def __init__(self, site_id: str) -> None:
        super().__init__(f"the order was already escalated to {site_id}")


class Order(CivicAggregate):
    class Placed(CivicAggregate.Created):
        category: str
        site_id: str
        description: str
        channel: str
        priority: str
        resident: dict[str, Any]
        window_start: datetime | None
        window_end: datetime | None
        dispatch_by: datetime
        complete_by: datetime

    def __init__(self, category: str, site_id: str, description: str, channel: str, priority: str,
                 resident: dict[str, Any], window_start: datetime | None, window_end: datetime | None,
                 dispatch_by: datetime, complete_by: datetime, actor: str):
        self.category, self.site_id, self.description = category, site_id, description
        self.channel, self.priority, self.resident = channel, priority, dict(resident)
        self.window_start, self.window_end = window_start, window_end
        self.dispatch_by, self.complete_by = dispatch_by, complete_by
        self.accept_by: datetime | None = None
        self.review_by: datetime | None = None
        self.status = status_after(Order.Placed)
        self.placed_by = actor
        self.assignee_volunteer_id: UUID | None = None
        self.assignee_team_id: UUID | None = None
        self.dispatch_explanation: dict[str, Any] | None = None
        self.declined_by: list[UUID] = []
        self.accepted_by: UUID | None = None
        self.accepted_at: datetime | None = None
        self.dispatched_at: datetime | None = None
        self.started_at: datetime | None = None
        self.completed_at: datetime | None = None
        self.service_minutes: int | None = None
        self.door_codes: codes.Codes | None = None  # digests and tries (domain/door_codes.py), from acceptance
        self.start_basis: str | None = None
        self.service_basis: str | None = None  # confirmed | declared, once completed
        self.note: str | None = None
        self.rating: int | None = None
        self.comment: str | None = None
        self.cancel_reason: str | None = None
        self.escalations: list[dict[str, Any]] = []

    @classmethod
    def place(cls, order_id: UUID, *, category: str, site_id: str, description: str, channel: str,
              priority: str, resident: dict[str, Any], window: tuple[datetime, datetime] | None,
              dispatch_by: datetime, complete_by: datetime, home_service: bool = False,
              actor: str, at: datetime) -> Order:
        _check_placement(priority, window, resident, home_service)
        start, end = window or (None, None)
        return cls._create(cls.Placed, id=order_id, category=category, site_id=site_id,
                           description=description, channel=channel, priority=priority, resident=resident,
                           window_start=start, window_end=end, dispatch_by=dispatch_by,
                           complete_by=complete_by, actor=actor, timestamp=at)

    @property
    def placed_at(self) -> datetime:
        return self.created_on

    @property
    def responsible_site_id(self) -> str:
        """The site that must act now: the order's own site, or the last one it was escalated to."""
        return self.escalations[-1]["to_site"] if self.escalations else self.site_id

    @property
    def deadlines(self) -> dict[str, datetime | None]:
        return {"dispatch_by": self.dispatch_by, "accept_by": self.accept_by, "complete_by": self.complete_by,
                "review_by": self.review_by}

    def is_overdue(self, now: datetime) -> bool:
        return overdue(self.status, self.deadlines, now)

    def _require(self, command: str, *statuses: str) -> None:
        if self.status not in statuses:
            raise InvalidTransition(f"{command} the order", self.status)

    def _require_assignee(self, volunteer_id: UUID, team: Team | None) -> None:
        if volunteer_id == self.assignee_volunteer_id:
            return
        if team is not None and team.id == self.assignee_team_id and team.has_member(volunteer_id):
            return
        raise NotAssignee()

    def _require_acceptor(self, volunteer: Volunteer) -> None:
        if volunteer.id != self.accepted_by:
            raise NotAcceptor()

    # --- 派单 dispatch and its undoing ------------------------------------------------------------

    class Dispatched(CivicAggregate.Event):
        volunteer_id: UUID | None
        team_id: UUID | None
        accept_by: datetime
        explanation: dict[str, Any] | None

        def apply(self, order: Order) -> None:
            order.status = status_after(type(self), order.status)
            order.assignee_volunteer_id, order.assignee_team_id = self.volunteer_id, self.team_id
            order.accept_by, order.dispatch_explanation = self.accept_by, self.explanation
            order.dispatched_at = self.timestamp

    def dispatch(self, *, volunteer_id: UUID | None = None, team_id: UUID | None = None, accept_by: datetime,
                 explanation: dict[str, Any] | None = None, actor: str, at: datetime) -> None:
        self._require("dispatch", PLACED)
        if (volunteer_id is None) == (team_id is None):
            raise InvalidOrder("dispatch to exactly one volunteer or one team")
        self._record(self.Dispatched, volunteer_id=volunteer_id, team_id=team_id, accept_by=accept_by,
                     explanation=explanation, actor=actor, at=at)

    class Undispatched(CivicAggregate.Event):
        def apply(self, order: Order) -> None:
            order.status = status_after(type(self), order.status)
            order.assignee_volunteer_id = order.assignee_team_id = None
            order.accept_by = order.dispatched_at = order.dispatch_explanation = None

    class Declined(Undispatched):
        volunteer_id: UUID
        reason: str

        def apply(self, order: Order) -> None:
            super().apply(order)
            order.declined_by.append(self.volunteer_id)

    def decline(self, volunteer: Volunteer, team: Team | None, reason: str, *, actor: str, at: datetime) -> None:
        self._require("decline", DISPATCHED)
        self._require_assignee(volunteer.id, team)
        self._record(self.Declined, volunteer_id=volunteer.id, reason=reason, actor=actor, at=at)

    class DispatchRecalled(Undispatched):
        reason: str

    def recall(self, reason: str, *, actor: str, at: datetime) -> None:
        self._require("recall", DISPATCHED)
        self._record(self.DispatchRecalled, reason=reason, actor=actor, at=at)

    class DispatchExpired(Undispatched):
        pass

    def expire_dispatch(self, *, actor: str, at: datetime) -> None:
        self._require("expire the dispatch of", DISPATCHED)
        if self.accept_by is None or at <= self.accept_by:
            raise DeadlineNotReached("accept")
        self._record(self.DispatchExpired, actor=actor, at=at)

    # --- 接单 accept, service ---------------------------------------------------------------------

    class Accepted(CivicAggregate.Event):
        volunteer_id: UUID
        # The door codes' keyed digests, valid until the order's complete_by (acceptances before 0.3 have none).
        start_code_digest: str | None = None
        complete_code_digest: str | None = None
        codes_expire_at: datetime | None = None

        def apply(self, order: Order) -> None:
            order.status = status_after(type(self), order.status)
            order.accepted_by, order.accepted_at = self.volunteer_id, self.timestamp
            if self.start_code_digest is not None:
                order.door_codes = codes.issued(self.originator_version, self.codes_expire_at, {
                    START: self.start_code_digest, COMPLETE: self.complete_code_digest})

    def accept(self, volunteer: Volunteer, team: Team | None, *, code_digests: Mapping[str, str] | None = None,
               actor: str, at: datetime) -> None:
        """The first acceptance wins: afterwards the order is no longer dispatched. `code_digests`: the door
        codes issued for this acceptance (made by the application for version `self.version + 1`)."""
        self._require("accept", DISPATCHED)
        self._require_assignee(volunteer.id, team)
        volunteer.take_order(self.id, self.category, actor=actor, at=at)
        issued = {} if code_digests is None else {"start_code_digest": code_digests[START],
                                                   "complete_code_digest": code_digests[COMPLETE],
                                                   "codes_expire_at": self.complete_by}
        self._record(self.Accepted, volunteer_id=volunteer.id, **issued, actor=actor, at=at)

    class DoorCodeRefused(CivicAggregate.Event):
        kind: str

        def apply(self, order: Order) -> None:
            assert order.door_codes is not None
            order.door_codes = codes.refused(order.door_codes, self.kind)

    def _door_code_basis(self, kind: str, digest: str | None, *, actor: str, at: datetime) -> str:
        """`confirmed` for the right code, `declared` for none; a wrong one is recorded (DoorCodeRefused), then
        refused: the caller saves the order before answering."""
        if digest is None:
            return DECLARED
        issued = codes.require_usable(self.door_codes, kind, at)
        if kind == COMPLETE and self.start_basis != CONFIRMED:
            raise codes.StartNotConfirmed()
        if not hmac.compare_digest(digest, issued[kind]["digest"]):
            self._record(self.DoorCodeRefused, kind=kind, actor=actor, at=at)
            raise codes.refusal(self.door_codes, kind)  # type: ignore[arg-type]
        return CONFIRMED

    class ServiceStarted(CivicAggregate.Event):
        basis: str = DECLARED  # starts before 0.3 were all declared

        def apply(self, order: Order) -> None:
            order.status, order.started_at = status_after(type(self), order.status), self.timestamp
            order.start_basis = self.basis
            if self.basis == CONFIRMED:
                order.door_codes = codes.used(order.door_codes, START)  # type: ignore[arg-type]

    def start_service(self, volunteer: Volunteer, door_code_digest: str | None = None, *, actor: str,
                      at: datetime) -> None:
        self._require("start", ACCEPTED)
        self._require_acceptor(volunteer)
        basis = self._door_code_basis(START, door_code_digest, actor=actor, at=at)
        self._record(self.ServiceStarted, basis=basis, actor=actor, at=at)

    class ServiceCompleted(CivicAggregate.Event):
        service_minutes: int
        note: str | None
        review_by: datetime
        basis: str = DECLARED  # completions before 0.3 were all declared

        def apply(self, order: Order) -> None:
            order.status, order.completed_at = status_after(type(self), order.status), self.timestamp
            order.service_minutes, order.note, order.review_by = self.service_minutes, self.note, self.review_by
            order.service_basis = self.basis
            if self.basis == CONFIRMED:
                order.door_codes = codes.used(order.door_codes, COMPLETE)  # type: ignore[arg-type]

    def complete_service(self, volunteer: Volunteer, service_minutes: int, note: str | None, *,
                         door_code_digest: str | None = None, review_by: datetime,
                         tolerance: timedelta = DEFAULT_TOLERANCE, actor: str, at: datetime) -> None:
        """`confirmed` when both door codes were given right, else `declared`."""
        self._require("complete", IN_SERVICE)
        self._require_acceptor(volunteer)
        self._check_minutes(service_minutes, at, tolerance)
        basis = self._door_code_basis(COMPLETE, door_code_digest, actor=actor, at=at)
        volunteer.credit_service(self.id, service_minutes, basis, actor=actor, at=at)
        self._record(self.ServiceCompleted, service_minutes=service_minutes, note=note, review_by=review_by,
                     basis=basis, actor=actor, at=at)

    class ServiceConfirmed(CivicAggregate.Event):
        reason: str

        def apply(self, order: Order) -> None:
            order.service_basis = CONFIRMED

    def confirm_service(self, acceptor: Volunteer | None, reason: str, *, actor: str, at: datetime) -> None:
        """A dispatcher confirms a declared service by hand: its minutes move to the volunteer's confirmed ones."""
        self._require("confirm the service of", COMPLETED, REVIEWED, CLOSED)
        if self.service_basis != DECLARED:
            raise InvalidTransition("confirm the service of the order", "confirmed already")
        if acceptor is None:
            raise NotAcceptor()
        self._require_acceptor(acceptor)
        acceptor.confirm_service(self.id, self.service_minutes, reason, actor=actor, at=at)  # type: ignore[arg-type]
        self._record(self.ServiceConfirmed, reason=reason, actor=actor, at=at)

    def _check_minutes(self, minutes: int, at: datetime, tolerance: timedelta) -> None:
        if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
            raise InvalidServiceMinutes("service minutes must be a positive whole number")
        assert self.started_at is not None
        allowed = (at - self.started_at + tolerance) / timedelta(minutes=1)
        if minutes > allowed:
            raise InvalidServiceMinutes(f"{minutes} service minutes exceed the {int(allowed)} minutes "
                                        "between start and completion (tolerance included)")

    # --- 评单 review, closing, cancelling, escalating -----------------------------------------------

    class Reviewed(CivicAggregate.Event):
        rating: int
        comment: str | None

        def apply(self, order: Order) -> None:
            order.status = status_after(type(self), order.status)
            order.rating, order.comment = self.rating, self.comment

    def review(self, acceptor: Volunteer | None, rating: int, comment: str | None, *, actor: str,
               at: datetime) -> None:
        self._require("review", COMPLETED)
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise InvalidRating()
        if acceptor is None:
            raise NotAcceptor()
        self._require_acceptor(acceptor)
        acceptor.record_rating(self.id, rating, actor=actor, at=at)
        self._record(self.Reviewed, rating=rating, comment=comment, actor=actor, at=at)

    class ReviewWindowClosed(CivicAggregate.Event):
        def apply(self, order: Order) -> None:
            order.status = status_after(type(self), order.status)

    def close_review_window(self, *, actor: str, at: datetime) -> None:
        self._require("close the review window of", COMPLETED)
        if self.review_by is None or at <= self.review_by:
            raise DeadlineNotReached("review")
        self._record(self.ReviewWindowClosed, actor=actor, at=at)

    class Cancelled(CivicAggregate.Event):
        reason: str

        def apply(self, order: Order) -> None:
            order.status, order.cancel_reason = status_after(type(self), order.status), self.reason

    def cancel(self, reason: str, acceptor: Volunteer | None = None, *, actor: str, at: datetime) -> None:
        """An accepted order frees its volunteer's load in the same save."""
        self._require("cancel", PLACED, DISPATCHED, ACCEPTED)
        if self.status == ACCEPTED:
            if acceptor is None:
                raise NotAcceptor()
            self._require_acceptor(acceptor)
            acceptor.release_order(self.id, "order cancelled", actor=actor, at=at)
        self._record(self.Cancelled, reason=reason, actor=actor, at=at)

    class Escalated(CivicAggregate.Event):
        from_site: str
        to_site: str
        reason: str

        def apply(self, order: Order) -> None:
            order.status = status_after(type(self), order.status)  # 吹哨 leaves it where it was
            order.escalations.append({"from_site": self.from_site, "to_site": self.to_site, "at": self.timestamp})

    def escalate(self, to_site: str, reason: str, *, actor: str, at: datetime) -> None:
        """吹哨: raise the order to the parent of its responsible site, once per level; it stays open."""
        self._require("escalate", PLACED, DISPATCHED)
        if any(e["to_site"] == to_site for e in self.escalations):
            raise AlreadyEscalated(to_site)
        self._record(self.Escalated, from_site=self.responsible_site_id, to_site=to_site, reason=reason,
                     actor=actor, at=at)


# The status each event leaves an order in (None: the one it was in), the state machine of DESIGN §4. The
# aggregate's apply methods and the order_board and site_stats folds all read it, so it is written once.
STATUS_AFTER: dict[type[CivicAggregate.Event], str | None] = {
    Order.Placed: PLACED, Order.Dispatched: DISPATCHED, Order.Undispatched: PLACED, Order.Declined: PLACED,
    Order.DispatchRecalled: PLACED, Order.DispatchExpired: PLACED, Order.Accepted: ACCEPTED,
    Order.ServiceStarted: IN_SERVICE, Order.ServiceCompleted: COMPLETED, Order.Reviewed: REVIEWED,
    Order.ReviewWindowClosed: CLOSED, Order.Cancelled: CANCELLED, Order.Escalated: None,
    Order.DoorCodeRefused: None, Order.ServiceConfirmed: None,
}


def status_after(event_class: type, status: str | None = None) -> str:
    """The status an event of `event_class` leaves an order in that stood in `status` (None: not yet placed)."""
    after = STATUS_AFTER[event_class]
    if after is not None:
        return after
    if status is None:
        raise KeyError(f"{event_class.__name__} keeps the order's status, and it has none yet")
    return status


# The deadline (an Order attribute, an order_board column, a key of the §8 `deadlines`) that an order must meet
# in each open status; in the others nothing is due. Order.is_overdue, the presented rows and the SQL clause
# of the list queries are all built from it.
DEADLINE_IN_STATUS: dict[str, str] = {PLACED: "dispatch_by", DISPATCHED: "accept_by", ACCEPTED: "complete_by",
                                      IN_SERVICE: "complete_by"}


def overdue(status: str, deadlines: Mapping[str, Any], now: datetime) -> bool:
    """Whether an order in `status` with these deadlines (by name) has missed, at `now`, the one that applies."""
    name = DEADLINE_IN_STATUS.get(status)
    deadline = None if name is None else deadlines[name]
    return deadline is not None and now > deadline


def door_code_states(held: Mapping[str, Any], status: str, now: datetime) -> dict[str, str]:
    """The state of each door code of an order in `status` (its codes' record, instants as datetimes). A code no
    longer awaited is void: the start code once started, the completion code once completed or after a declared
    start (it could confirm nothing)."""
    awaited = {START: status == ACCEPTED,
               COMPLETE: status == ACCEPTED or (status == IN_SERVICE and held[START]["used"])}
    return {kind: codes.state(dict(held), kind, awaited[kind], now) for kind in (START, COMPLETE)}


def _check_placement(priority: str, window: tuple[datetime, datetime] | None, resident: dict[str, Any],
                     home_service: bool) -> None:
    if not resident.get("name") or not resident.get("phone"):
        raise InvalidOrder("the resident's name and phone are required")
    if home_service and not resident.get("address"):
        raise InvalidOrder("a home service needs the resident's address")
    if priority not in PRIORITIES:
        raise InvalidOrder(f"priority must be one of {', '.join(PRIORITIES)}")
    if window is not None and window[1] <= window[0]:
        raise InvalidOrder("the requested window must end after it starts")
