"""Fakes for the application's ports (cosmicpython: fakes, not mocks): plain in-memory implementations."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.dispatch import Candidate, rank_key
from domain.order import Order
from domain.volunteer import Volunteer


@dataclass
class Card:
    """What a candidate source knows of a volunteer."""

    candidate: Candidate
    skills: set[str]
    available: bool = True
    suspended: bool = False
    capacity: int = 3


@dataclass
class InMemoryCandidates:
    """The `CandidateSource` port over a dict: eligibility and ranking exactly as the roster must do it."""

    cards: dict[UUID, Card] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def add(self, card: Card) -> None:
        self.cards[card.candidate.volunteer_id] = card

    def add_volunteer(self, volunteer: Volunteer, rating: float | None = None, recent_orders: int = 0) -> None:
        candidate = Candidate(volunteer.id, volunteer.home_site_id, len(volunteer.active_orders),
                              rating if rating is not None else volunteer.average_rating, recent_orders)
        self.add(Card(candidate, set(volunteer.skills), volunteer.available, volunteer.suspended, volunteer.capacity))

    def set_load(self, volunteer_id: UUID, active_orders: int) -> None:
        card = self.cards[volunteer_id]
        card.candidate = replace(card.candidate, active_orders=active_orders)

    def best_candidate(self, site_id: str, category: str, exclude: Collection[UUID], *,
                       recent_since: datetime) -> Candidate | None:
        self.asked.append(site_id)
        eligible = [c.candidate for c in self._at(site_id) if category in c.skills and c.available
                    and not c.suspended and c.candidate.active_orders < c.capacity
                    and c.candidate.volunteer_id not in exclude]
        return min(eligible, key=lambda c: rank_key(c, 0.0), default=None)

    def _at(self, site_id: str) -> Iterable[Card]:
        return (card for card in self.cards.values() if card.candidate.home_site_id == site_id)


@dataclass
class InMemoryDueOrders:
    """The `DueOrders` port: the order ids a test says may be due (the application decides what is)."""

    order_ids: set[UUID] = field(default_factory=set)

    def due_order_ids(self, now: datetime, *, after: UUID | None = None, limit: int = 500) -> list[UUID]:
        return sorted(i for i in self.order_ids if after is None or i > after)[:limit]


class StoredResidentOrders:
    """The `ResidentOrders` port read straight from the event store: every placed order whose resident fields are
    sealed with the key asked for (what the order board answers, without a view)."""

    def __init__(self, app: Any):
        self.app = app

    def orders_sealed_for(self, resident_id: str) -> list[tuple[UUID, str]]:
        found = []
        for notification in self.app.recorder.select_notifications(1, 1_000_000):
            event = self.app.mapper.to_domain_event(notification)
            if isinstance(event, Order.Placed) and f"cf1:{resident_id}:" in str(event.resident.get("phone")):
                found.append((event.originator_id, event.channel))
        return found


@dataclass
class InMemoryServiceRecords:
    """The `ServiceRecords` port: the services a test says were credited (each a dict as the port answers)."""

    services: list[dict[str, Any]] = field(default_factory=list)

    def credit(self, order_id: UUID, at: datetime, minutes: int, *, basis: str = "declared",
               category: str = "haircut", site_id: str = "post-babaoshan-01") -> None:
        position = len(self.services) + 1
        self.services.append({"order_id": order_id, "credited_at": at, "category": category, "site_id": site_id,
                              "minutes": minutes, "basis": basis, "position": position,
                              "content_sha256": f"{position:064x}"})

    def services_of(self, volunteer_id: UUID, since: datetime, until: datetime) -> list[dict[str, Any]]:
        return [s for s in self.services if since <= s["credited_at"] < until]
