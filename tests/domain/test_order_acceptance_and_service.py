"""Rules of 接单 (accept), service and 评单 (review), cancelling and closing."""

import pytest

from domain.base import InvalidTransition
from domain.order import InvalidRating, InvalidServiceMinutes, NotAcceptor, NotAssignee
from domain.volunteer import AtCapacity, MissingSkill, VolunteerSuspended, VolunteerUnavailable
from tests.domain.builders import (accepted_by, at, completed_by, dispatched_to, in_service_by, placed, team,
                                   volunteer)


def test_accepting_takes_the_order_onto_the_volunteers_load():
    worker = volunteer()
    order = accepted_by(worker)
    assert (order.status, order.accepted_by, order.accepted_at) == ("accepted", worker.id, at(2))
    assert worker.active_orders == [order.id]


def test_only_a_dispatched_order_can_be_accepted():
    with pytest.raises(InvalidTransition):
        placed().accept(volunteer(), None, actor="v", at=at(2))


def test_only_the_assignee_can_accept():
    order = dispatched_to(volunteer())
    with pytest.raises(NotAssignee):
        order.accept(volunteer(phone="13800000002"), None, actor="v", at=at(2))


def test_any_member_of_the_assigned_team_can_accept_and_the_first_wins():
    first, second = volunteer(), volunteer(phone="13800000002")
    crew = team(first, second)
    order = placed()
    order.dispatch(team_id=crew.id, accept_by=at(60), actor="d", at=at(1))
    order.accept(second, crew, actor="v2", at=at(2))
    assert order.accepted_by == second.id
    with pytest.raises(InvalidTransition):
        order.accept(first, crew, actor="v1", at=at(3))


def test_a_volunteer_outside_the_assigned_team_cannot_accept():
    crew = team(volunteer())
    order = placed()
    order.dispatch(team_id=crew.id, accept_by=at(60), actor="d", at=at(1))
    with pytest.raises(NotAssignee):
        order.accept(volunteer(phone="13800000009"), crew, actor="v", at=at(2))


def test_a_suspended_volunteer_cannot_accept():
    worker = volunteer()
    order = dispatched_to(worker)
    worker.suspend("complaint under review", actor="d", at=at(1))
    with pytest.raises(VolunteerSuspended):
        order.accept(worker, None, actor="v", at=at(2))
    assert (order.status, order.version) == ("dispatched", 2)


def test_an_unavailable_volunteer_cannot_accept():
    worker = volunteer()
    order = dispatched_to(worker)
    worker.set_availability(False, actor="v", at=at(1))
    with pytest.raises(VolunteerUnavailable):
        order.accept(worker, None, actor="v", at=at(2))


def test_a_volunteer_without_the_categorys_skill_cannot_accept():
    worker = volunteer(skills=("legal-aid",))
    order = dispatched_to(worker)
    with pytest.raises(MissingSkill):
        order.accept(worker, None, actor="v", at=at(2))


def test_a_volunteer_at_capacity_cannot_accept_another_order():
    worker = volunteer(capacity=1)
    accepted_by(worker)
    order = dispatched_to(worker)
    with pytest.raises(AtCapacity):
        order.accept(worker, None, actor="v", at=at(2))
    assert len(worker.active_orders) == 1


def test_only_the_acceptor_can_start_the_service():
    order = accepted_by(volunteer())
    with pytest.raises(NotAcceptor):
        order.start_service(volunteer(phone="13800000002"), actor="v", at=at(10))


def test_only_an_accepted_order_can_be_started():
    worker = volunteer()
    with pytest.raises(InvalidTransition):
        dispatched_to(worker).start_service(worker, actor="v", at=at(10))


def test_completion_credits_the_minutes_and_frees_the_load():
    worker = volunteer()
    order = completed_by(worker, minutes=40)
    assert (order.status, order.service_minutes, order.completed_at) == ("completed", 40, at(60))
    assert (worker.service_minutes, worker.completed_orders, worker.active_orders) == (40, 1, [])


def test_only_an_order_in_service_can_be_completed():
    worker = volunteer()
    order = accepted_by(worker)
    with pytest.raises(InvalidTransition):
        order.complete_service(worker, 30, None, review_by=at(999), actor="v", at=at(60))


def test_only_the_acceptor_can_complete():
    order = in_service_by(volunteer())
    with pytest.raises(NotAcceptor):
        order.complete_service(volunteer(phone="13800000002"), 30, None, review_by=at(999), actor="v", at=at(60))


@pytest.mark.parametrize("minutes", [0, -5, 2.5, True])
def test_service_minutes_must_be_a_positive_whole_number(minutes):
    worker = volunteer()
    order = in_service_by(worker)
    with pytest.raises(InvalidServiceMinutes):
        order.complete_service(worker, minutes, None, review_by=at(999), actor="v", at=at(60))
    assert worker.service_minutes == 0


def test_service_minutes_cannot_exceed_start_to_completion_plus_tolerance():
    worker = volunteer()
    order = in_service_by(worker)  # started at minute 10; completing at 60 allows 50 + 15
    with pytest.raises(InvalidServiceMinutes, match="exceed"):
        order.complete_service(worker, 66, None, review_by=at(999), actor="v", at=at(60))
    order.complete_service(worker, 65, None, review_by=at(999), actor="v", at=at(60))
    assert order.service_minutes == 65


def test_a_review_rates_the_acceptor():
    worker = volunteer()
    order = completed_by(worker)
    order.review(worker, 4, "kind and quick", actor="channel:district-app", at=at(70))
    assert (order.status, order.rating, order.comment) == ("reviewed", 4, "kind and quick")
    assert worker.average_rating == 4.0


@pytest.mark.parametrize("rating", [0, 6, 3.5, "5", None])
def test_a_rating_is_a_whole_number_from_1_to_5(rating):
    worker = volunteer()
    order = completed_by(worker)
    with pytest.raises(InvalidRating):
        order.review(worker, rating, None, actor="c", at=at(70))


def test_an_order_is_reviewed_only_once():
    worker = volunteer()
    order = completed_by(worker)
    order.review(worker, 5, None, actor="c", at=at(70))
    with pytest.raises(InvalidTransition):
        order.review(worker, 1, "changed my mind", actor="c", at=at(71))
    assert worker.rating_count == 1


def test_only_a_completed_order_can_be_reviewed():
    worker = volunteer()
    with pytest.raises(InvalidTransition):
        in_service_by(worker).review(worker, 5, None, actor="c", at=at(70))


def test_the_review_window_closes_an_unreviewed_order_after_its_deadline():
    worker = volunteer()
    order = completed_by(worker)
    with pytest.raises(Exception, match="deadline"):
        order.close_review_window(actor="system:supervisor", at=order.review_by)
    order.close_review_window(actor="system:supervisor", at=at(60 + 7 * 24 * 60 + 1))
    assert order.status == "closed"


def test_cancelling_an_accepted_order_releases_the_volunteers_load():
    worker = volunteer()
    order = accepted_by(worker)
    order.cancel("resident moved", worker, actor="channel:district-app", at=at(5))
    assert (order.status, order.cancel_reason, worker.active_orders) == ("cancelled", "resident moved", [])


def test_an_order_in_service_cannot_be_cancelled():
    worker = volunteer()
    with pytest.raises(InvalidTransition):
        in_service_by(worker).cancel("too late", worker, actor="c", at=at(20))


@pytest.mark.parametrize("finish", ["cancel", "review", "close"])
def test_a_cancelled_reviewed_or_closed_order_takes_no_further_command(finish):
    worker = volunteer()
    order = completed_by(worker) if finish != "cancel" else placed()
    if finish == "cancel":
        order.cancel("no longer needed", actor="c", at=at(5))
    elif finish == "review":
        order.review(worker, 5, None, actor="c", at=at(70))
    else:
        order.close_review_window(actor="s", at=at(99_999))
    version = order.version
    for attempt in (lambda: order.cancel("again", worker, actor="c", at=at(99_999)),
                    lambda: order.dispatch(volunteer_id=worker.id, accept_by=at(1), actor="d", at=at(99_999)),
                    lambda: order.review(worker, 3, None, actor="c", at=at(99_999)),
                    lambda: order.escalate("center", "x", actor="s", at=at(99_999))):
        with pytest.raises(InvalidTransition):
            attempt()
    assert order.version == version
