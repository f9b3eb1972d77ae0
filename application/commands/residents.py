"""A resident's rights over their data (PIPL Art. 45 and 47, DESIGN §14): a copy of everything held, and erasure
by destroying their key. Both take the resident's id (Residents.resident_id of the phone), so that no record of
the request — an idempotency digest included — carries the phone."""

from __future__ import annotations

from uuid import UUID

from application.base import CivicFlowBase
from application.errors import NotFound
from application.idempotency import command
from application.policy import Principal
from application.ports import ResidentOrders
from domain.order import Order
from domain.resident import ResidentErasure, erasure_id


class ResidentCommands(CivicFlowBase):
    resident_orders_source: ResidentOrders | None = None

    def use_resident_orders(self, source: ResidentOrders) -> None:
        self.resident_orders_source = source

    def _sealed_orders(self, resident_id: str) -> list[tuple[UUID, str]]:
        if self.resident_orders_source is None:
            raise RuntimeError("a resident's orders are found through a ResidentOrders source (the order board)")
        return self.resident_orders_source.orders_sealed_for(resident_id)

    @command
    def erase_resident(self, resident_id: str, reason: str, *, actor: str) -> list[ResidentErasure]:
        """Destroy the key first, then record it: a crash between the two leaves the data erased and the retry
        records it; never a record of an erasure that did not happen."""
        found = self.find(ResidentErasure, erasure_id(resident_id))
        if found is not None:
            return [found]  # erased already: the first record stands
        orders = [str(order_id) for order_id, _ in self._sealed_orders(resident_id)]
        destroyed = self.residents.keys.destroy(resident_id)
        if not destroyed and not orders:  # no key, no order: nobody (a key already gone: a first try that crashed)
            raise NotFound("resident", "with that phone")
        return [ResidentErasure.record(resident_id, orders, reason, actor=actor, at=self.clock.now())]

    def resident_orders(self, resident_id: str, principal: Principal) -> tuple[list[Order], ResidentErasure | None]:
        """The orders held about the resident that this principal may ask for (an admin all of them, a channel
        those it placed), and their erasure if there was one."""
        entries = self._sealed_orders(resident_id)
        if principal.role == "channel":
            entries = [(order_id, channel) for order_id, channel in entries if channel == principal.channel]
        orders = [order for order_id, _ in entries if (order := self.find(Order, order_id)) is not None]
        if not orders:
            raise NotFound("resident", "with that phone")
        return orders, self.find(ResidentErasure, erasure_id(resident_id))
