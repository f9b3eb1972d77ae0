"""Rules of 点单 (place) and 派单 (dispatch, recall, decline, expiry, escalation)."""

import pytest

from domain.base import InvalidTransition
from domain.order import AlreadyEscalated, DeadlineNotReached, InvalidOrder, NotAssignee
from tests.domain.builders import RESIDENT, at, dispatched_to, placed, team, volunteer


def test_a_placed_order_records_who_placed_it_and_its_deadlines():
    order = placed()
    assert (order.status, order.placed_by, order.placed_at) == ("placed", "channel:district-app", at(0))
    assert (order.dispatch_by, order.complete_by) == (at(120), at(7 * 24 * 60))
    assert order.pending_events[0].actor == "channel:district-app"


def test_an_unknown_priority_is_refused():
    with pytest.raises(InvalidOrder, match="priority"):
        placed(priority="whenever")


def test_a_window_that_ends_before_it_starts_is_refused():
    with pytest.raises(InvalidOrder, match="window"):
        placed(window=(at(60), at(30)))


def test_an_order_needs_the_residents_name_and_phone():
    with pytest.raises(InvalidOrder, match="name and phone"):
        placed(resident={"name": "Wang Fang"})


def test_a_home_service_needs_the_residents_address():
    with pytest.raises(InvalidOrder, match="address"):
        placed(resident={"name": "Wang Fang", "phone": "139"}, home_service=True)


def test_a_service_away_from_home_needs_no_address():
    assert placed(category="legal-aid", resident={"name": "W", "phone": "1"}, home_service=False).status == "placed"


def test_dispatch_assigns_the_volunteer_and_sets_the_accept_deadline():
    worker = volunteer()
    order = dispatched_to(worker)
    assert (order.status, order.assignee_volunteer_id, order.accept_by) == ("dispatched", worker.id, at(60))


def test_only_a_placed_order_can_be_dispatched():
    worker = volunteer()
    order = dispatched_to(worker)
    with pytest.raises(InvalidTransition):
        order.dispatch(volunteer_id=worker.id, accept_by=at(90), actor="dispatcher:d1", at=at(30))


def test_dispatch_goes_to_exactly_one_volunteer_or_one_team():
    worker, crew = volunteer(), team()
    with pytest.raises(InvalidOrder):
        placed().dispatch(volunteer_id=worker.id, team_id=crew.id, accept_by=at(60), actor="d", at=at(1))
    with pytest.raises(InvalidOrder):
        placed().dispatch(accept_by=at(60), actor="d", at=at(1))


def test_recall_returns_a_dispatched_order_to_placed():
    order = dispatched_to(volunteer())
    order.recall("wrong volunteer", actor="dispatcher:d1", at=at(5))
    assert (order.status, order.assignee_volunteer_id, order.accept_by) == ("placed", None, None)


def test_only_a_dispatched_order_can_be_recalled():
    with pytest.raises(InvalidTransition):
        placed().recall("why not", actor="dispatcher:d1", at=at(5))


def test_the_assignee_can_decline_and_is_remembered():
    worker = volunteer()
    order = dispatched_to(worker)
    order.decline(worker, None, "busy today", actor="v", at=at(5))
    assert (order.status, order.declined_by) == ("placed", [worker.id])


def test_only_the_assignee_can_decline():
    order = dispatched_to(volunteer())
    with pytest.raises(NotAssignee):
        order.decline(volunteer(phone="13800000002"), None, "not mine", actor="v", at=at(5))


def test_only_a_dispatched_order_can_be_declined():
    with pytest.raises(InvalidTransition):
        placed().decline(volunteer(), None, "busy", actor="v", at=at(5))


def test_an_unaccepted_dispatch_expires_back_to_placed_after_its_deadline():
    order = dispatched_to(volunteer())
    order.expire_dispatch(actor="system:supervisor", at=at(61))
    assert order.status == "placed"


def test_a_dispatch_cannot_expire_before_its_deadline():
    order = dispatched_to(volunteer())
    with pytest.raises(DeadlineNotReached):
        order.expire_dispatch(actor="system:supervisor", at=at(60))


def test_only_a_dispatched_order_can_expire():
    with pytest.raises(InvalidTransition):
        placed().expire_dispatch(actor="system:supervisor", at=at(600))


def test_escalation_raises_the_order_to_the_parent_site_and_keeps_it_open():
    order = placed()
    order.escalate("station-babaoshan", "dispatch deadline missed", actor="system:supervisor", at=at(121))
    order.escalate("center", "still undispatched", actor="system:supervisor", at=at(300))
    assert order.status == "placed"
    assert [(e["from_site"], e["to_site"]) for e in order.escalations] == [
        ("post-babaoshan-01", "station-babaoshan"), ("station-babaoshan", "center")]
    assert order.responsible_site_id == "center"


def test_an_order_is_escalated_to_each_level_only_once():
    order = placed()
    order.escalate("station-babaoshan", "late", actor="system:supervisor", at=at(121))
    with pytest.raises(AlreadyEscalated):
        order.escalate("station-babaoshan", "late again", actor="system:supervisor", at=at(122))


def test_an_accepted_order_is_not_escalated():
    worker = volunteer()
    order = dispatched_to(worker)
    order.accept(worker, None, actor="v", at=at(2))
    with pytest.raises(InvalidTransition):
        order.escalate("station-babaoshan", "late", actor="system:supervisor", at=at(121))


def test_resident_data_is_copied_not_shared():
    resident = dict(RESIDENT)
    order = placed(resident=resident)
    resident["phone"] = "changed"
    assert order.resident["phone"] == RESIDENT["phone"]
