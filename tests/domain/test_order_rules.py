"""The two rules the domain states once for every reader: the status after each Order event (STATUS_AFTER)
and which deadline makes an order overdue in which status (DEADLINE_IN_STATUS)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from domain.door_codes import WrongDoorCode
from domain.order import DEADLINE_IN_STATUS, STATUS_AFTER, STATUSES, Order, overdue, status_after
from domain.volunteer import Volunteer
from tests.domain.builders import at, order_event_classes, placed, triggered_event_classes, volunteer


def test_every_order_event_class_says_which_status_it_leaves_the_order_in():
    assert set(STATUS_AFTER) == order_event_classes()
    assert set(STATUS_AFTER.values()) == {*STATUSES, None}  # every status is reached, None keeps the status
    assert [cls.__name__ for cls, after in STATUS_AFTER.items() if after is None] == \
        ["Escalated", "DoorCodeRefused", "ServiceConfirmed"]


def test_an_event_that_keeps_the_status_needs_one_to_keep():
    assert status_after(Order.Escalated, "dispatched") == "dispatched"
    assert status_after(Order.Declined, "dispatched") == "placed"
    with pytest.raises(KeyError):
        status_after(Order.Escalated)  # an escalation cannot be an order's first event


def step(order: Order, command: Callable[[], None]) -> set[type]:
    """Run a command (one event); the order is then in the status the table names for that event."""
    before = order.status
    command()
    [event] = order.collect_events()
    assert order.status == status_after(type(event), before), type(event).__name__
    return {type(event)}


def test_the_aggregate_enters_the_status_the_table_names_after_each_event():
    worker, order = volunteer(), placed()
    seen = {type(e) for e in order.collect_events()}
    assert order.status == status_after(Order.Placed)

    def dispatch(minute: float) -> None:
        order.dispatch(volunteer_id=worker.id, accept_by=at(minute + 30), actor="d", at=at(minute))

    for command in [lambda: dispatch(1), lambda: order.decline(worker, None, "busy", actor="v", at=at(2)),
                    lambda: order.escalate("station-babaoshan", "late", actor="s", at=at(3)),
                    lambda: dispatch(4), lambda: order.escalate("center", "later", actor="s", at=at(5)),
                    lambda: order.recall("wrong person", actor="d", at=at(6)),
                    lambda: dispatch(7), lambda: order.expire_dispatch(actor="s", at=at(38)),
                    lambda: dispatch(40),
                    lambda: order.accept(worker, None, code_digests=DIGESTS, actor="v", at=at(41)),
                    lambda: _wrong_start_code(order, worker),
                    lambda: order.start_service(worker, actor="v", at=at(42)),
                    lambda: order.complete_service(worker, 30, None, review_by=at(100), actor="v", at=at(72))]:
        seen |= step(order, command)
    unreviewed, cancelled = _completed_order(), placed()
    cancelled.collect_events()
    seen |= step(order, lambda: order.review(worker, 5, "good", actor="c", at=at(73)))
    seen |= step(order, lambda: order.confirm_service(worker, "the resident called", actor="d", at=at(74)))
    seen |= step(unreviewed, lambda: unreviewed.close_review_window(actor="s", at=at(200)))
    seen |= step(cancelled, lambda: cancelled.cancel("moved", actor="c", at=at(1)))
    assert seen == triggered_event_classes()
    assert (order.status, unreviewed.status, cancelled.status) == ("reviewed", "closed", "cancelled")


DIGESTS = {"start": "a" * 64, "complete": "b" * 64}


def _wrong_start_code(order: Order, worker: Volunteer) -> None:
    with pytest.raises(WrongDoorCode):
        order.start_service(worker, "c" * 64, actor="v", at=at(41))


def _completed_order() -> Order:
    worker, order = volunteer("13800000002"), placed()
    order.dispatch(volunteer_id=worker.id, accept_by=at(60), actor="d", at=at(1))
    order.accept(worker, None, actor="v", at=at(2))
    order.start_service(worker, actor="v", at=at(3))
    order.complete_service(worker, 20, None, review_by=at(100), actor="v", at=at(23))
    order.collect_events()
    return order


def test_overdue_means_missing_the_deadline_of_the_present_stage():
    assert DEADLINE_IN_STATUS == {"placed": "dispatch_by", "dispatched": "accept_by",  # DESIGN §4 and §10
                                  "accepted": "complete_by", "in_service": "complete_by"}
    deadlines = {"dispatch_by": at(10), "accept_by": at(20), "complete_by": at(30), "review_by": at(40)}
    for status in STATUSES:
        name = DEADLINE_IN_STATUS.get(status)
        for instant in (at(0), at(10), at(20), at(30), at(40), at(50)):
            expected = name is not None and instant > deadlines[name]
            assert overdue(status, deadlines, instant) is expected, (status, instant)
        assert not overdue(status, dict.fromkeys(deadlines), at(10**6))  # no deadline set: never overdue


def test_overdue_follows_the_deadline_of_the_current_stage():
    order = placed()
    assert not order.is_overdue(at(120)) and order.is_overdue(at(121))
    worker = volunteer()
    order.dispatch(volunteer_id=worker.id, accept_by=at(180), actor="d", at=at(121))
    assert not order.is_overdue(at(150)) and order.is_overdue(at(181))
    for instant in (at(120), at(180), at(181), at(10**5)):
        assert order.is_overdue(instant) is overdue(order.status, order.deadlines, instant)
    order.accept(worker, None, actor="v", at=at(182))
    assert not order.is_overdue(at(181) + timedelta(days=6))  # now the completion deadline (7 days) applies
