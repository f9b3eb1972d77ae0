"""The model's commands: each returns the error the real system must raise, or applies itself and returns None."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from domain.base import InvalidTransition
from domain.order import DeadlineNotReached, InvalidRating, InvalidServiceMinutes, NotAcceptor, NotAssignee
from tests.property.workflow_model import (ACCEPT_WITHIN, DISPATCH_WITHIN, PARENT, REVIEW_WITHIN, TOLERANCE,
                                          ModelOrder, ModelVolunteer, Outcome)


class WorkflowModel:
    def __init__(self, team_id: UUID, volunteers: list[ModelVolunteer]):
        self.team_id = team_id
        self.volunteers = {v.id: v for v in volunteers}
        self.orders: dict[UUID, ModelOrder] = {}

    def add_order(self, order_id: UUID, category: str, site_id: str, priority: str, now: datetime) -> None:
        self.orders[order_id] = ModelOrder(order_id, category, site_id, dispatch_by=now + DISPATCH_WITHIN[priority])

    def _is_assignee(self, order: ModelOrder, volunteer: ModelVolunteer) -> bool:
        return volunteer.id == order.volunteer or (order.team is not None and order.team in volunteer.team_ids)

    # --- 派单 and its undoing --------------------------------------------------------------------------

    def dispatch(self, order: ModelOrder, volunteer_id: UUID | None, team_id: UUID | None, now: datetime) -> Outcome:
        if order.status != "placed":
            return InvalidTransition
        order.status, order.volunteer, order.team = "dispatched", volunteer_id, team_id
        order.accept_by, order.version = now + ACCEPT_WITHIN, order.version + 1
        return None

    def recall(self, order: ModelOrder) -> Outcome:
        if order.status != "dispatched":
            return InvalidTransition
        order.back_to_placed()
        return None

    def decline(self, order: ModelOrder, volunteer: ModelVolunteer) -> Outcome:
        if order.status != "dispatched":
            return InvalidTransition
        if not self._is_assignee(order, volunteer):
            return NotAssignee
        order.back_to_placed()
        order.declined_by.append(volunteer.id)
        return None

    def expire(self, order: ModelOrder, now: datetime) -> Outcome:
        if order.status != "dispatched":
            return InvalidTransition
        if order.accept_by is None or now <= order.accept_by:
            return DeadlineNotReached
        order.back_to_placed()
        return None

    # --- 接单 and service --------------------------------------------------------------------------------

    def accept(self, order: ModelOrder, volunteer: ModelVolunteer) -> Outcome:
        if order.status != "dispatched":
            return InvalidTransition
        if not self._is_assignee(order, volunteer):
            return NotAssignee
        error = volunteer.cannot_take(order.category)
        if error is not None:
            return error
        order.status, order.accepted_by, order.version = "accepted", volunteer.id, order.version + 1
        volunteer.active.append(order.id)
        volunteer.version += 1
        return None

    def start(self, order: ModelOrder, volunteer: ModelVolunteer, now: datetime) -> Outcome:
        if order.status != "accepted":
            return InvalidTransition
        if volunteer.id != order.accepted_by:
            return NotAcceptor
        order.status, order.started_at, order.version = "in_service", now, order.version + 1
        return None

    def complete(self, order: ModelOrder, volunteer: ModelVolunteer, minutes: int, now: datetime) -> Outcome:
        if order.status != "in_service":
            return InvalidTransition
        if volunteer.id != order.accepted_by:
            return NotAcceptor
        assert order.started_at is not None
        if minutes <= 0 or timedelta(minutes=minutes) > now - order.started_at + TOLERANCE:
            return InvalidServiceMinutes
        order.status, order.minutes, order.review_by = "completed", minutes, now + REVIEW_WITHIN
        order.version += 1
        volunteer.active.remove(order.id)
        volunteer.completed, volunteer.minutes, volunteer.version = (volunteer.completed + 1,
                                                                     volunteer.minutes + minutes, volunteer.version + 1)
        return None

    # --- 评单, closing, cancelling, escalating ----------------------------------------------------------

    def review(self, order: ModelOrder, rating: int) -> Outcome:
        if order.status != "completed":
            return InvalidTransition
        if not 1 <= rating <= 5:
            return InvalidRating
        order.status, order.rating, order.version = "reviewed", rating, order.version + 1
        acceptor = self.volunteers[order.accepted_by]  # type: ignore[index]
        acceptor.ratings.append(rating)
        acceptor.version += 1
        return None

    def close_review_window(self, order: ModelOrder, now: datetime) -> Outcome:
        if order.status != "completed":
            return InvalidTransition
        if order.review_by is None or now <= order.review_by:
            return DeadlineNotReached
        order.status, order.version = "closed", order.version + 1
        return None

    def cancel(self, order: ModelOrder) -> Outcome:
        if order.status not in ("placed", "dispatched", "accepted"):
            return InvalidTransition
        if order.status == "accepted":  # the acceptor's load is released in the same save
            acceptor = self.volunteers[order.accepted_by]  # type: ignore[index]
            acceptor.active.remove(order.id)
            acceptor.version += 1
        order.status, order.version = "cancelled", order.version + 1
        return None

    def escalate(self, order: ModelOrder) -> Outcome:
        parent = PARENT[order.responsible_site]
        if parent is None or order.status not in ("placed", "dispatched"):
            return InvalidTransition
        order.escalated_to.append(parent)
        order.version += 1
        return None

    # --- volunteers -------------------------------------------------------------------------------------

    def suspend(self, volunteer: ModelVolunteer) -> Outcome:
        if volunteer.suspended:
            return InvalidTransition
        volunteer.suspended, volunteer.version = True, volunteer.version + 1
        return None

    def reinstate(self, volunteer: ModelVolunteer) -> Outcome:
        if not volunteer.suspended:
            return InvalidTransition
        volunteer.suspended, volunteer.version = False, volunteer.version + 1
        return None

    def set_availability(self, volunteer: ModelVolunteer, available: bool) -> Outcome:
        volunteer.available, volunteer.version = available, volunteer.version + 1
        return None
