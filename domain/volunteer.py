"""The Volunteer aggregate: registration, skills, availability, teams, suspension, load and credit."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import CivicAggregate, DomainError, InvalidTransition
from domain.door_codes import BASES, CONFIRMED, DECLARED

DEFAULT_CAPACITY = 3
STAR_HOURS = (100, 200, 500, 800, 1000)
VOLUNTEER_NAMESPACE = uuid5(NAMESPACE_URL, "https://civicflow.example/volunteer")


class VolunteerError(DomainError):
    """A volunteer cannot do what was asked."""


class VolunteerSuspended(VolunteerError):
    def __init__(self) -> None:
        super().__init__("the volunteer is suspended")


class VolunteerUnavailable(VolunteerError):
    def __init__(self) -> None:
        super().__init__("the volunteer is not available")


class MissingSkill(VolunteerError):
    field = "skills"

    def __init__(self, category: str):
        super().__init__(f"the volunteer lacks the skill {category!r}")


class AtCapacity(VolunteerError):
    def __init__(self, capacity: int):
        super().__init__(f"the volunteer already holds {capacity} active orders")


class InvalidVolunteer(VolunteerError):
    """Registration or skill data that breaks a rule (no skills, capacity below 1)."""

    field = "skills"


class InvalidServiceMinutes(VolunteerError):
    field = "minutes"

    def __init__(self) -> None:
        super().__init__("service minutes cannot be negative")


class AlreadyTeamMember(VolunteerError):
    def __init__(self) -> None:
        super().__init__("the volunteer is already a member of that team")


def volunteer_id_for_phone(phone: str) -> UUID:
    """One volunteer per phone number: the id is derived from it."""
    return uuid5(VOLUNTEER_NAMESPACE, phone.strip())


def stars_for_minutes(minutes: int) -> int:
    return sum(1 for hours in STAR_HOURS if minutes >= hours * 60)


def _checked_skills(skills: list[str]) -> list[str]:
    if not skills:
        raise InvalidVolunteer("a volunteer needs at least one skill")
    return sorted(set(skills))


class Volunteer(CivicAggregate):
    class Registered(CivicAggregate.Created):
        name: str
        phone: str
        home_site_id: str
        skills: list[str]
        capacity: int

    def __init__(self, name: str, phone: str, home_site_id: str, skills: list[str], capacity: int, actor: str):
        self.name = name
        self.phone = phone
        self.home_site_id = home_site_id
        self.skills = list(skills)
        self.capacity = capacity
        self.available = True
        self.suspended = False
        self.suspension_reason: str | None = None
        self.team_ids: list[UUID] = []
        self.active_orders: list[UUID] = []
        self.completed_orders = 0
        self.service_minutes = 0  # confirmed_minutes + declared_minutes: the stars count them all
        self.confirmed_minutes = 0  # by the resident's door codes, or by a dispatcher's hand (DESIGN §17)
        self.declared_minutes = 0  # by the volunteer alone
        self.credited: dict[UUID, int] = {}  # minutes credited per order, as last credited or corrected
        self.confirmed_orders: set[UUID] = set()  # whose credited minutes count as confirmed
        self.rating_count = 0
        self.rating_total = 0

    @classmethod
    def register(cls, name: str, phone: str, home_site_id: str, skills: list[str], capacity: int = DEFAULT_CAPACITY,
                 *, actor: str, at: datetime) -> Volunteer:
        if capacity < 1:
            raise InvalidVolunteer("capacity must be at least 1")
        return cls._create(cls.Registered, id=volunteer_id_for_phone(phone), name=name, phone=phone.strip(),
                           home_site_id=home_site_id, skills=_checked_skills(skills), capacity=capacity,
                           actor=actor, timestamp=at)

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_total / self.rating_count, 2) if self.rating_count else None

    @property
    def stars(self) -> int:
        return stars_for_minutes(self.service_minutes)

    def check_can_take(self, category: str) -> None:
        """Raise the first reason this volunteer cannot take an order of `category` now."""
        if self.suspended:
            raise VolunteerSuspended()
        if not self.available:
            raise VolunteerUnavailable()
        if category not in self.skills:
            raise MissingSkill(category)
        if len(self.active_orders) >= self.capacity:
            raise AtCapacity(self.capacity)

    # --- commands -------------------------------------------------------------------------------

    class SkillsChanged(CivicAggregate.Event):
        skills: list[str]

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.skills = list(self.skills)

    def change_skills(self, skills: list[str], *, actor: str, at: datetime) -> None:
        self._record(self.SkillsChanged, skills=_checked_skills(skills), actor=actor, at=at)

    class AvailabilityChanged(CivicAggregate.Event):
        available: bool

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.available = self.available

    def set_availability(self, available: bool, *, actor: str, at: datetime) -> None:
        self._record(self.AvailabilityChanged, available=available, actor=actor, at=at)

    class JoinedTeam(CivicAggregate.Event):
        team_id: UUID

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.team_ids.append(self.team_id)

    def join_team(self, team_id: UUID, *, actor: str, at: datetime) -> None:
        if team_id in self.team_ids:
            raise AlreadyTeamMember()
        self._record(self.JoinedTeam, team_id=team_id, actor=actor, at=at)

    class Suspended(CivicAggregate.Event):
        reason: str

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.suspended = True
            volunteer.suspension_reason = self.reason

    def suspend(self, reason: str, *, actor: str, at: datetime) -> None:
        if self.suspended:
            raise InvalidTransition("suspend the volunteer", "suspended already")
        self._record(self.Suspended, reason=reason, actor=actor, at=at)

    class Reinstated(CivicAggregate.Event):
        reason: str

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.suspended = False
            volunteer.suspension_reason = None

    def reinstate(self, reason: str, *, actor: str, at: datetime) -> None:
        if not self.suspended:
            raise InvalidTransition("reinstate the volunteer", "not suspended")
        self._record(self.Reinstated, reason=reason, actor=actor, at=at)

    # --- order load, called by the Order aggregate in the same save -------------------------------

    class OrderTaken(CivicAggregate.Event):
        order_id: UUID

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.active_orders.append(self.order_id)

    def take_order(self, order_id: UUID, category: str, *, actor: str, at: datetime) -> None:
        self.check_can_take(category)
        self._record(self.OrderTaken, order_id=order_id, actor=actor, at=at)

    class OrderReleased(CivicAggregate.Event):
        order_id: UUID
        reason: str

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.active_orders.remove(self.order_id)

    def release_order(self, order_id: UUID, reason: str, *, actor: str, at: datetime) -> None:
        self._require_active(order_id)
        self._record(self.OrderReleased, order_id=order_id, reason=reason, actor=actor, at=at)

    class ServiceCredited(CivicAggregate.Event):
        order_id: UUID
        minutes: int
        basis: str = DECLARED  # credits before 0.3 were all declared

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.active_orders.remove(self.order_id)
            volunteer.completed_orders += 1
            volunteer.service_minutes += self.minutes
            volunteer.credited[self.order_id] = self.minutes
            if self.basis == CONFIRMED:
                volunteer.confirmed_minutes += self.minutes
                volunteer.confirmed_orders.add(self.order_id)
            else:
                volunteer.declared_minutes += self.minutes

    def credit_service(self, order_id: UUID, minutes: int, basis: str = DECLARED, *, actor: str,
                       at: datetime) -> None:
        self._require_active(order_id)
        if basis not in BASES:
            raise VolunteerError(f"a service is {' or '.join(BASES)}")
        self._record(self.ServiceCredited, order_id=order_id, minutes=minutes, basis=basis, actor=actor, at=at)

    class ServiceConfirmed(CivicAggregate.Event):
        """A declared service confirmed by a dispatcher's hand: its minutes move from declared to confirmed."""

        order_id: UUID
        minutes: int
        reason: str

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.declared_minutes -= self.minutes
            volunteer.confirmed_minutes += self.minutes
            volunteer.confirmed_orders.add(self.order_id)

    def confirm_service(self, order_id: UUID, minutes: int, reason: str, *, actor: str, at: datetime) -> None:
        minutes = self.credited.get(order_id, minutes)  # as corrected since, if it was
        if minutes > self.declared_minutes:
            raise VolunteerError(f"the volunteer has only {self.declared_minutes} declared minutes")
        self._record(self.ServiceConfirmed, order_id=order_id, minutes=minutes, reason=reason, actor=actor, at=at)

    class ServiceCorrected(CivicAggregate.Event):
        """An admin corrected the minutes credited for an order (a certificate counting it is then revoked)."""

        order_id: UUID
        minutes: int
        previous_minutes: int
        reason: str
        basis: str = DECLARED  # of the minutes corrected, so that a view moves the right total

        def apply(self, volunteer: Volunteer) -> None:
            change = self.minutes - self.previous_minutes
            volunteer.service_minutes += change
            if self.basis == CONFIRMED:
                volunteer.confirmed_minutes += change
            else:
                volunteer.declared_minutes += change
            volunteer.credited[self.order_id] = self.minutes

    def correct_service(self, order_id: UUID, minutes: int, reason: str, *, actor: str, at: datetime) -> None:
        if order_id not in self.credited:
            raise VolunteerError("no service of this volunteer was credited for that order")
        if minutes < 0:
            raise InvalidServiceMinutes()
        self._record(self.ServiceCorrected, order_id=order_id, minutes=minutes,
                     previous_minutes=self.credited[order_id], reason=reason,
                     basis=CONFIRMED if order_id in self.confirmed_orders else DECLARED, actor=actor, at=at)

    class Rated(CivicAggregate.Event):
        order_id: UUID
        rating: int

        def apply(self, volunteer: Volunteer) -> None:
            volunteer.rating_count += 1
            volunteer.rating_total += self.rating

    def record_rating(self, order_id: UUID, rating: int, *, actor: str, at: datetime) -> None:
        self._record(self.Rated, order_id=order_id, rating=rating, actor=actor, at=at)

    def _require_active(self, order_id: UUID) -> None:
        if order_id not in self.active_orders:
            raise VolunteerError("the volunteer does not hold that order")
