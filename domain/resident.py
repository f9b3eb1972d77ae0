"""A resident's erasure (PIPL Art. 47, DESIGN §14): recorded as an event that holds no personal data — the
resident's id (an HMAC of their phone, meaningless without the installation's secret), which orders their key
sealed, and why (free text, its phone and ID numbers masked)."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.base import CivicAggregate
from domain.privacy import mask_free_text

ERASURE_NAMESPACE = uuid5(NAMESPACE_URL, "https://civicflow.example/resident-erasures")


def erasure_id(resident_id: str) -> UUID:
    """One erasure per resident: erasing again finds the first."""
    return uuid5(ERASURE_NAMESPACE, resident_id)


class ResidentErasure(CivicAggregate):
    class Erased(CivicAggregate.Created):
        resident_id: str
        order_ids: list[str]
        reason: str

    def __init__(self, resident_id: str, order_ids: list[str], reason: str, actor: str):
        self.resident_id, self.order_ids, self.reason = resident_id, list(order_ids), reason

    @classmethod
    def record(cls, resident_id: str, order_ids: list[str], reason: str, *, actor: str,
               at: datetime) -> ResidentErasure:
        return cls._create(cls.Erased, id=erasure_id(resident_id), resident_id=resident_id,
                           order_ids=list(order_ids), reason=mask_free_text(reason) or "", actor=actor,
                           timestamp=at)
