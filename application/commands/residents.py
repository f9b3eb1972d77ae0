"""A resident's rights over their data (PIPL Art. 45 and 47, DESIGN §14): a copy of everything held, and erasure
by destroying their key. Both take the resident's id (Residents.resident_id of the phone), so that no record of
the request — an idempotency digest included — carries the phone."""

from __future__ import annotations

from uuid import UUID

from application.base import CivicFlowBase
from application.errors import NotFound
from application.idempotency import command
from application.policy import Principal
from domain.order import Order
from domain.resident import ResidentErasure, erasure_id


class ResidentCommands(CivicFlowBase):
    @command
    def erase_resident(self, resident_id: str, reason: str, *, actor: str) -> list[ResidentErasure]:
        """Destroy the key first, then record it: a crash between the two leaves the data erased and the retry
        records it; never a record of an erasure that did not happen."""
        found = self.find(ResidentErasure, erasure_id(resident_id))
        if found is not None:
            return [found]  # erased already: the first record stands
        orders = [entry["order_id"] for entry in self.residents.keys.orders_of(resident_id)]
        if not self.residents.keys.destroy(resident_id):
            raise NotFound("resident", "with that phone")
        return [ResidentErasure.record(resident_id, orders, reason, actor=actor, at=self.clock.now())]

    def resident_orders(self, resident_id: str, principal: Principal) -> tuple[list[Order], ResidentErasure | None]:
        """The orders held about the resident that this principal may ask for (an admin all of them, a channel
        those it placed), and their erasure if there was one."""
        entries = self.residents.keys.orders_of(resident_id)
        if principal.role == "channel":
            entries = [e for e in entries if e["channel"] == principal.channel]
        orders = [order for e in entries if (order := self.find(Order, UUID(e["order_id"]))) is not None]
        if not orders:
            raise NotFound("resident", "with that phone")
        return orders, self.find(ResidentErasure, erasure_id(resident_id))
