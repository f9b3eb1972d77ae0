"""`auto_dispatch_order`: the chosen volunteer, the explanation on the event, and what it refuses."""

from __future__ import annotations

import pytest

from application.commands.dispatch import AutoDispatchUnavailable, NoEligibleVolunteer
from domain.base import InvalidTransition
from domain.order import Order
from domain.volunteer import Volunteer
from tests.application.conftest import place, register
from tests.fakes import InMemoryCandidates


@pytest.fixture
def source(memory_app) -> InMemoryCandidates:  # type: ignore[no-untyped-def]
    fake = InMemoryCandidates()
    memory_app.use_candidates(fake)
    return fake


def enrol(app, source: InMemoryCandidates, phone: str, **fields):  # type: ignore[no-untyped-def]
    volunteer = app.load(Volunteer, register(app, phone=phone).id)
    source.add_volunteer(volunteer, **fields)
    return volunteer


def test_auto_dispatch_picks_the_best_volunteer_and_explains_why(memory_app, source):
    enrol(memory_app, source, "13800000001", rating=3.0)
    best = enrol(memory_app, source, "13800000002", rating=4.8)
    order_id = place(memory_app).id
    result = memory_app.auto_dispatch_order(order_id, actor="dispatcher:d1")
    order = memory_app.load(Order, order_id)
    assert (order.status, order.assignee_volunteer_id, result.version) == ("dispatched", best.id, 2)
    explanation = order.dispatch_explanation
    assert explanation["method"] == "auto" and explanation["score"] == [0.0, 0, -4.8, 0]
    assert "post-babaoshan-01 is 0.00 km" in explanation["reason"] and "rating 4.80" in explanation["reason"]


def test_a_volunteer_who_declined_is_not_chosen_again(memory_app, source):
    first = enrol(memory_app, source, "13800000001", rating=5.0)
    second = enrol(memory_app, source, "13800000002", rating=4.0)
    order_id = place(memory_app).id
    memory_app.auto_dispatch_order(order_id, actor="dispatcher:d1")
    memory_app.decline_order(order_id, first.id, "away", actor=f"volunteer:{first.id}")
    memory_app.auto_dispatch_order(order_id, actor="dispatcher:d1")
    assert memory_app.load(Order, order_id).assignee_volunteer_id == second.id


def test_a_stale_view_is_corrected_by_the_volunteers_aggregate(memory_app, source):
    gone = enrol(memory_app, source, "13800000001", rating=5.0)
    fallback = enrol(memory_app, source, "13800000002", rating=1.0)
    memory_app.set_availability(gone.id, False, actor=f"volunteer:{gone.id}")  # the fake still says available
    order_id = place(memory_app).id
    memory_app.auto_dispatch_order(order_id, actor="dispatcher:d1")
    assert memory_app.load(Order, order_id).assignee_volunteer_id == fallback.id


def test_nobody_eligible_leaves_the_order_placed(memory_app, source):
    order_id = place(memory_app, category="legal-aid", description="a will").id
    enrol(memory_app, source, "13800000001")
    with pytest.raises(NoEligibleVolunteer):
        memory_app.auto_dispatch_order(order_id, actor="dispatcher:d1")
    assert memory_app.load(Order, order_id).status == "placed"


def test_auto_dispatch_without_a_candidate_source_is_refused(memory_app):
    order_id = place(memory_app).id
    with pytest.raises(AutoDispatchUnavailable):
        memory_app.auto_dispatch_order(order_id, actor="dispatcher:d1")


def test_auto_dispatch_of_an_order_already_dispatched_is_an_invalid_transition(memory_app, source):
    enrol(memory_app, source, "13800000001")
    order_id = place(memory_app).id
    memory_app.auto_dispatch_order(order_id, actor="dispatcher:d1")
    with pytest.raises(InvalidTransition):
        memory_app.auto_dispatch_order(order_id, actor="dispatcher:d1")
