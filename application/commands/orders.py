"""Commands on orders: 点单 place, 派单 dispatch, 接单 accept, service, 评单 review, and the supervisor's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from application.base import CivicFlowBase
from application.idempotency import command
from application.policy import OrderReach, Principal
from domain.base import InvalidTransition
from domain.door_codes import COMPLETE, START, WrongDoorCode
from domain.order import ACCEPTED, Order
from domain.team import Team
from domain.volunteer import Volunteer


class OrderCommands(CivicFlowBase):
    @command
    def place_order(self, category: str, site_id: str, description: str, resident: dict[str, Any],
                    channel: str, priority: str = "normal", window: tuple[datetime, datetime] | None = None,
                    *, actor: str) -> list[Order]:
        home_service = self.require_category("category", category).home_service
        self.require_site("site_id", site_id)
        order_id, at, deadlines = uuid4(), self.clock.now(), self.settings.deadlines
        sealed, description = self.residents.seal_placement(resident, description, at)
        order = Order.place(order_id, category=category, site_id=site_id, description=description,
                            channel=channel, priority=priority, resident=sealed, window=window,
                            dispatch_by=deadlines.dispatch_by(at, priority),
                            complete_by=deadlines.complete_by(at, priority, window[1] if window else None),
                            home_service=home_service, actor=actor, at=at)
        return [order]

    @command
    def dispatch_order(self, order_id: UUID, volunteer_id: UUID | None = None, team_id: UUID | None = None,
                       *, actor: str, expected_version: int | None = None,
                       principal: Principal | None = None) -> list[Order]:
        order = self._order(order_id, expected_version, principal)
        if volunteer_id is not None:
            self.identified(Volunteer, "volunteer_id", volunteer_id)
        if team_id is not None:
            self.identified(Team, "team_id", team_id)
        at = self.clock.now()
        order.dispatch(volunteer_id=volunteer_id, team_id=team_id, accept_by=self.settings.deadlines.accept_by(at),
                       actor=actor, at=at)
        return [order]

    @command
    def recall_order(self, order_id: UUID, reason: str, *, actor: str,
                     expected_version: int | None = None,
                     principal: Principal | None = None) -> list[Order]:
        order = self._order(order_id, expected_version, principal)
        order.recall(self._sealed_reason(order, reason), actor=actor, at=self.clock.now())
        return [order]

    @command
    def accept_order(self, order_id: UUID, volunteer_id: UUID, *, actor: str,
                     expected_version: int | None = None,
                     principal: Principal | None = None) -> list[Order | Volunteer]:
        order = self._order(order_id, expected_version, principal)
        volunteer = self.referenced(Volunteer, "volunteer_id", volunteer_id)
        digests = self.door_codes.issue(order.id, order.version + 1)  # the version Accepted will have
        order.accept(volunteer, self._assigned_team(order), code_digests=digests, actor=actor, at=self.clock.now())
        return [order, volunteer]

    @command
    def decline_order(self, order_id: UUID, volunteer_id: UUID, reason: str, *, actor: str,
                      expected_version: int | None = None,
                      principal: Principal | None = None) -> list[Order]:
        order = self._order(order_id, expected_version, principal)
        volunteer = self.referenced(Volunteer, "volunteer_id", volunteer_id)
        order.decline(volunteer, self._assigned_team(order), self._sealed_reason(order, reason), actor=actor,
                      at=self.clock.now())
        return [order]

    @command
    def start_service(self, order_id: UUID, volunteer_id: UUID, door_code: str | None = None, *, actor: str,
                      expected_version: int | None = None,
                      principal: Principal | None = None) -> list[Order]:
        order = self._order(order_id, expected_version, principal)
        volunteer = self.identified(Volunteer, "volunteer_id", volunteer_id)  # only its id is checked
        digest = self.door_codes.digest(order.id, START, door_code)
        self._counting_wrong_codes(order, lambda: order.start_service(volunteer, digest, actor=actor,
                                                                      at=self.clock.now()))
        return [order]

    @command
    def complete_service(self, order_id: UUID, volunteer_id: UUID, service_minutes: int, note: str | None = None,
                         door_code: str | None = None, *, actor: str, expected_version: int | None = None,
                         principal: Principal | None = None) -> list[Order | Volunteer]:
        order = self._order(order_id, expected_version, principal)
        volunteer = self.referenced(Volunteer, "volunteer_id", volunteer_id)
        at, note = self.clock.now(), self.residents.seal_text_for(order.resident, "note", note)
        digest = self.door_codes.digest(order.id, COMPLETE, door_code)
        self._counting_wrong_codes(order, lambda: order.complete_service(
            volunteer, service_minutes, note, door_code_digest=digest, review_by=self.settings.deadlines.review_by(at),
            tolerance=self.settings.service_tolerance, actor=actor, at=at))
        return [order, volunteer]

    @command
    def confirm_service(self, order_id: UUID, reason: str, *, actor: str, expected_version: int | None = None,
                        principal: Principal | None = None) -> list[Order | Volunteer]:
        """A dispatcher confirms a declared service by hand, with a reason; the volunteer's minutes move with it."""
        order = self._order(order_id, expected_version, principal)
        acceptor, reason = self._acceptor(order), self._sealed_reason(order, reason)
        order.confirm_service(acceptor, reason, actor=actor, at=self.clock.now())
        return [order, acceptor]  # type: ignore[list-item]

    @command
    def review_order(self, order_id: UUID, rating: int, comment: str | None = None, *, actor: str,
                     expected_version: int | None = None,
                     principal: Principal | None = None) -> list[Order | Volunteer]:
        order = self._order(order_id, expected_version, principal)
        acceptor, comment = self._acceptor(order), self.residents.seal_text_for(order.resident, "comment", comment)
        order.review(acceptor, rating, comment, actor=actor, at=self.clock.now())
        return [order, acceptor]  # type: ignore[list-item]

    @command
    def cancel_order(self, order_id: UUID, reason: str, *, actor: str,
                     expected_version: int | None = None,
                     principal: Principal | None = None) -> list[Order | Volunteer]:
        order = self._order(order_id, expected_version, principal)
        acceptor = self._acceptor(order) if order.status == ACCEPTED else None
        order.cancel(self._sealed_reason(order, reason), acceptor, actor=actor, at=self.clock.now())
        return [order] if acceptor is None else [order, acceptor]

    # --- the supervisor's commands (deadlines) ----------------------------------------------------

    @command
    def expire_dispatch(self, order_id: UUID, *, actor: str) -> list[Order]:
        order = self.load(Order, order_id)
        order.expire_dispatch(actor=actor, at=self.clock.now())
        return [order]

    @command
    def escalate_order(self, order_id: UUID, reason: str, *, actor: str) -> list[Order]:
        """吹哨报到: raise the order to the parent of the site now responsible for it."""
        order = self.load(Order, order_id)
        parent = self.sites.parent_of(order.responsible_site_id)
        if parent is None:
            raise InvalidTransition("escalate the order", f"already at the top site {order.responsible_site_id}")
        order.escalate(parent, reason, actor=actor, at=self.clock.now())
        return [order]

    @command
    def close_review_window(self, order_id: UUID, *, actor: str) -> list[Order]:
        order = self.load(Order, order_id)
        order.close_review_window(actor=actor, at=self.clock.now())
        return [order]

    # --- helpers ------------------------------------------------------------------------------------

    def _order(self, order_id: UUID, expected_version: int | None, principal: Principal | None) -> Order:
        """The order a command acts on; for a caller, only if the policy lets it see the order (else not found)."""
        if principal is None:  # the system's own commands (supervision, the demo loader)
            return self.load(Order, order_id, expected_version)
        return self.load(Order, order_id, expected_version,
                         check=lambda order: self.policy.require_order(principal, OrderReach.of_order(order)))

    def _counting_wrong_codes(self, order: Order, step: Callable[[], None]) -> None:
        """A wrong door code is recorded on the order (DoorCodeRefused) and saved before it is refused, so every
        server process counts the same tries."""
        try:
            step()
        except WrongDoorCode:
            self.commit([order])
            raise

    def _sealed_reason(self, order: Order, reason: str) -> str:
        """A reason people type about an order may name the resident or a number: sealed like the order's own."""
        return self.residents.seal_text_for(order.resident, "reason", reason) or reason

    def _assigned_team(self, order: Order) -> Team | None:
        return self.find(Team, order.assignee_team_id) if order.assignee_team_id else None

    def _acceptor(self, order: Order) -> Volunteer | None:
        return self.find(Volunteer, order.accepted_by) if order.accepted_by else None
