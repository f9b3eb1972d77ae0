"""The ports: what the application needs from outside and does not build itself. Adapters implement them
(projections/reads/ from the views, tests/fakes.py in memory) and interfaces/bootstrap.py wires them in."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from application.persistence.clock import Clock
from domain.dispatch import Candidate

DUE_PAGE = 500

__all__ = ["CandidateSource", "Clock", "DocumentSigner", "DueOrders", "ResidentOrders", "ServiceRecords"]


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


class ServiceRecords(Protocol):
    def services_of(self, volunteer_id: UUID, since: datetime, until: datetime) -> list[dict[str, Any]]:
        """The volunteer's services credited in [since, until), oldest first, each as it stands now (later
        confirmations and corrections applied): order_id, credited_at, category, site_id, minutes, basis, and the
        audit position and content_sha256 of the event that last set its minutes and basis."""


class DocumentSigner(Protocol):
    """The audit key (Ed25519): signs the canonical JSON of a payload."""

    @property
    def public_key(self) -> str: ...

    def sign(self, payload: dict[str, Any]) -> str: ...

    def derive_key(self, purpose: str) -> bytes: ...
