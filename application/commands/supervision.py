"""Supervision (DESIGN §10): apply the deadlines at the clock's instant — expire, escalate (吹哨), close.

Which orders may be due comes from the `DueOrders` port (the order_board view, or a fake in tests); what is
due is decided on each order's aggregate, so a lagging view cannot cause a wrong event, and running twice
at the same instant finds nothing more to do. Each missed deadline escalates the order one level up, once:
it is recognised as handled when an escalation was recorded after that deadline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

from application.commands.dispatch import AutoDispatchUnavailable, DispatchCommands, NoEligibleVolunteer
from application.errors import ConcurrencyConflict
from application.ports import DUE_PAGE, DueOrders
from domain.order import COMPLETED, DISPATCHED, PLACED, AlreadyEscalated, Order

SUPERVISOR = "system:supervisor"


def escalated_since(order: Order, deadline: datetime) -> bool:
    return any(step["at"] > deadline for step in order.escalations)


def _escalate(order: Order, parent: str | None, deadline: str, missed: datetime, now: datetime) -> list[str]:
    """One level up for a missed deadline; nothing at the top (the center) or if that level was reached."""
    if parent is None or escalated_since(order, missed):
        return []
    try:
        order.escalate(parent, f"{deadline} deadline {missed.isoformat()} missed", actor=SUPERVISOR, at=now)
    except AlreadyEscalated:
        return []
    return ["escalated"]


def apply_deadlines(order: Order, parent: str | None, now: datetime) -> list[str]:
    """Record on `order` what its deadlines require at `now`; returns what was done (possibly nothing)."""
    if order.status == COMPLETED and order.review_by is not None and now > order.review_by:
        order.close_review_window(actor=SUPERVISOR, at=now)
        return ["closed"]
    if order.status == DISPATCHED and order.accept_by is not None and now > order.accept_by:
        done = _escalate(order, parent, "accept", order.accept_by, now)
        order.expire_dispatch(actor=SUPERVISOR, at=now)
        return [*done, "expired"]
    if order.status == PLACED and now > order.dispatch_by:
        return _escalate(order, parent, "dispatch", order.dispatch_by, now)
    return []


class SupervisionCommands(DispatchCommands):
    due_orders: DueOrders | None = None

    def use_due_orders(self, source: DueOrders) -> None:
        self.due_orders = source

    def supervise(self) -> Counter[str]:
        """One pass over every possibly-due order at the clock's instant; counts what was done."""
        if self.due_orders is None:
            raise RuntimeError("supervision needs a DueOrders source (the order board)")
        done: Counter[str] = Counter()
        for order_id in self._due_ids(self.due_orders, self.clock.now()):
            try:
                done.update(self.supervise_order(order_id))
            except ConcurrencyConflict:
                done["conflicts"] += 1  # someone acted on the order meanwhile: the next pass re-evaluates it
        return done

    def supervise_order(self, order_id: UUID) -> list[str]:
        """Apply one order's deadlines in one save; re-dispatch an expired order when auto-dispatch is on."""
        order = self.load(Order, order_id)
        ignored_by = order.assignee_volunteer_id
        done = apply_deadlines(order, self.sites.parent_of(order.responsible_site_id), self.clock.now())
        if done:
            self.commit([order])
        if "expired" in done and self.settings.auto_dispatch:
            done.append(self._redispatch(order_id, ignored_by))
        return done

    def _redispatch(self, order_id: UUID, ignored_by: UUID | None) -> str:
        """To someone else than the volunteer who let the dispatch expire."""
        try:
            self.auto_dispatch_order(order_id, skip=(ignored_by,) if ignored_by else (), actor=SUPERVISOR)
        except (NoEligibleVolunteer, AutoDispatchUnavailable):
            return "redispatch_failed"
        return "redispatched"

    @staticmethod
    def _due_ids(source: DueOrders, now: datetime) -> Iterator[UUID]:
        after: UUID | None = None
        while page := source.due_order_ids(now, after=after, limit=DUE_PAGE):
            yield from page
            after = page[-1]
