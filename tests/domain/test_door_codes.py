"""Door codes (DESIGN §17) on the Order: issued at acceptance, one try at a time, five wrong tries lock, expiry at
complete_by, confirmed only with both codes; a dispatcher's hand confirmation. Digests are opaque strings here
(the application makes them with its key)."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain import door_codes as codes
from domain.base import InvalidTransition
from domain.door_codes import (DoorCodeExpired, DoorCodeLocked, DoorCodeUsed, NoDoorCodes, StartNotConfirmed,
                               WrongDoorCode, WrongDoorCodeNowLocked)
from domain.order import Order, door_code_states
from domain.volunteer import Volunteer
from tests.domain.builders import at, dispatched_to, volunteer

START, COMPLETE, WRONG = "s" * 64, "c" * 64, "x" * 64
DIGESTS = {"start": START, "complete": COMPLETE}


def accepted(worker: Volunteer) -> Order:
    order = dispatched_to(worker)
    order.accept(worker, None, code_digests=DIGESTS, actor="v", at=at(2))
    order.collect_events()
    worker.collect_events()
    return order


def states(order: Order, now: datetime) -> dict[str, str]:
    return door_code_states(order.door_codes, order.status, now)  # type: ignore[arg-type]


def types(aggregate: Order | Volunteer) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


def test_codes_are_issued_with_the_acceptance_and_expire_at_the_complete_deadline() -> None:
    worker = volunteer()
    order = dispatched_to(worker)
    order.accept(worker, None, code_digests=DIGESTS, actor="v", at=at(2))
    [*_, event] = order.collect_events()
    assert (event.start_code_digest, event.complete_code_digest, event.codes_expire_at) == \
        (START, COMPLETE, order.complete_by)
    assert order.door_codes["issued_version"] == event.originator_version == order.version  # type: ignore[index]
    assert states(order, at(3)) == {"start": "active", "complete": "active"}


def test_both_right_codes_confirm_the_service_and_credit_confirmed_minutes() -> None:
    worker = volunteer()
    order = accepted(worker)
    order.start_service(worker, START, actor="v", at=at(10))
    order.complete_service(worker, 40, None, door_code_digest=COMPLETE, review_by=at(5000), actor="v", at=at(50))
    completed = order.collect_events()[-1]
    assert (completed.basis, order.service_basis, order.start_basis) == ("confirmed", "confirmed", "confirmed")
    assert (worker.confirmed_minutes, worker.declared_minutes, worker.service_minutes) == (40, 0, 40)
    assert states(order, at(51)) == {"start": "used", "complete": "used"}


def test_without_codes_the_service_is_declared_and_counted_apart() -> None:
    worker = volunteer()
    confirmed, declared = accepted(worker), accepted(worker)
    confirmed.start_service(worker, START, actor="v", at=at(10))
    confirmed.complete_service(worker, 40, None, door_code_digest=COMPLETE, review_by=at(5000), actor="v", at=at(50))
    declared.start_service(worker, actor="v", at=at(10))
    declared.complete_service(worker, 25, None, review_by=at(5000), actor="v", at=at(50))
    assert declared.service_basis == "declared"
    assert (worker.confirmed_minutes, worker.declared_minutes, worker.service_minutes) == (40, 25, 65)
    assert states(declared, at(51)) == {"start": "void", "complete": "void"}


def test_a_declared_start_cannot_be_confirmed_at_completion() -> None:
    worker = volunteer()
    order = accepted(worker)
    order.start_service(worker, actor="v", at=at(10))
    order.collect_events()
    with pytest.raises(StartNotConfirmed):
        order.complete_service(worker, 40, None, door_code_digest=COMPLETE, review_by=at(5000), actor="v", at=at(50))
    assert types(order) == [] and types(worker) == []


def test_a_wrong_code_is_recorded_and_five_lock_the_code() -> None:
    worker = volunteer()
    order = accepted(worker)
    for left in (4, 3, 2, 1):
        with pytest.raises(WrongDoorCode) as refused:
            order.start_service(worker, WRONG, actor="v", at=at(10))
        assert refused.value.tries_left == left and not isinstance(refused.value, DoorCodeLocked)
    with pytest.raises(WrongDoorCodeNowLocked):
        order.start_service(worker, WRONG, actor="v", at=at(10))
    assert types(order) == ["DoorCodeRefused"] * 5 and order.status == "accepted"
    with pytest.raises(DoorCodeLocked):  # even the right code, and nothing more is recorded
        order.start_service(worker, START, actor="v", at=at(11))
    assert types(order) == []
    assert states(order, at(11))["start"] == "locked"
    order.start_service(worker, actor="v", at=at(12))  # declared, still possible
    assert order.start_basis == "declared"


def test_the_start_code_does_not_complete_and_each_code_counts_its_own_tries() -> None:
    worker = volunteer()
    order = accepted(worker)
    with pytest.raises(WrongDoorCode):
        order.start_service(worker, COMPLETE, actor="v", at=at(10))
    order.start_service(worker, START, actor="v", at=at(10))
    with pytest.raises(WrongDoorCode) as refused:
        order.complete_service(worker, 40, None, door_code_digest=START, review_by=at(5000), actor="v", at=at(50))
    assert refused.value.tries_left == 4 and worker.service_minutes == 0


def test_an_expired_code_is_refused_without_counting_a_try() -> None:
    worker = volunteer()
    order = accepted(worker)
    late = order.complete_by + (at(1) - at(0))
    with pytest.raises(DoorCodeExpired):
        order.start_service(worker, START, actor="v", at=late)
    assert types(order) == []
    assert states(order, late)["start"] == "expired"


def test_a_used_code_cannot_be_used_again() -> None:
    held = codes.used(codes.issued(3, at(100), DIGESTS), "start")
    with pytest.raises(DoorCodeUsed):
        codes.require_usable(held, "start", at(1))
    assert codes.require_usable(held, "complete", at(1)) is held


def test_an_order_accepted_without_codes_refuses_a_code_but_takes_none() -> None:
    worker = volunteer()
    order = dispatched_to(worker)
    order.accept(worker, None, actor="v", at=at(2))
    with pytest.raises(NoDoorCodes):
        order.start_service(worker, START, actor="v", at=at(10))
    order.start_service(worker, actor="v", at=at(10))
    assert order.door_codes is None and order.start_basis == "declared"


def test_a_dispatcher_confirms_a_declared_service_by_hand_once() -> None:
    worker = volunteer()
    order = accepted(worker)
    with pytest.raises(InvalidTransition):  # nothing to confirm before completion
        order.confirm_service(worker, "called", actor="d", at=at(5))
    order.start_service(worker, actor="v", at=at(10))
    order.complete_service(worker, 30, None, review_by=at(5000), actor="v", at=at(45))
    order.collect_events(), worker.collect_events()
    order.confirm_service(worker, "the resident confirmed by phone", actor="dispatcher:d1", at=at(60))
    [confirmed] = order.collect_events()
    [moved] = worker.collect_events()
    assert (type(confirmed).__name__, confirmed.reason, confirmed.actor) == \
        ("ServiceConfirmed", "the resident confirmed by phone", "dispatcher:d1")
    assert (type(moved).__name__, moved.order_id, moved.minutes, moved.reason) == \
        ("ServiceConfirmed", order.id, 30, "the resident confirmed by phone")
    assert (order.service_basis, worker.confirmed_minutes, worker.declared_minutes) == ("confirmed", 30, 0)
    with pytest.raises(InvalidTransition):
        order.confirm_service(worker, "again", actor="d", at=at(61))


def test_a_confirmed_service_needs_no_hand_confirmation() -> None:
    worker = volunteer()
    order = accepted(worker)
    order.start_service(worker, START, actor="v", at=at(10))
    order.complete_service(worker, 40, None, door_code_digest=COMPLETE, review_by=at(5000), actor="v", at=at(50))
    with pytest.raises(InvalidTransition):
        order.confirm_service(worker, "why", actor="d", at=at(60))
