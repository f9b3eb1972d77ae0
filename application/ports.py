"""The ports: what the application needs from outside and does not build itself. Adapters implement them
(projections/reads/ from the views, tests/fakes.py in memory) and interfaces/bootstrap.py wires them in."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.persistence.clock import Clock
from domain.dispatch import Candidate

DUE_PAGE = 500

__all__ = ["CandidateSource", "Clock", "DueOrders", "ResidentOrders"]


class CandidateSource(Protocol):
    def best_candidate(self, site_id: str, category: str, exclude: Collection[UUID], *,
                       recent_since: datetime) -> Candidate | None:
        """The best eligible volunteer whose home site is `site_id` (by `rank_key`), or None."""


class DueOrders(Protocol):
    def due_order_ids(self, now: datetime, *, after: UUID | None = None, limit: int = DUE_PAGE) -> list[UUID]:
        """Ids (ascending, greater than `after`) of orders that may have passed a deadline at `now`."""


class ResidentOrders(Protocol):
    def orders_sealed_for(self, resident_id: str) -> list[tuple[UUID, str]]:
        """(order id, placing channel) of every order whose resident fields are sealed with this resident's key."""
