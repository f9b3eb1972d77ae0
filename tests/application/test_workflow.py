"""The application carries orders through the whole chain and keeps both aggregates in step."""

from datetime import timedelta

import pytest

from application.errors import AlreadyExists, NotFound, UnknownReference
from domain.order import Order
from domain.volunteer import AtCapacity, Volunteer
from tests.application.conftest import place, register


def count_events(app) -> int:  # type: ignore[no-untyped-def]
    return app.recorder.max_notification_id() or 0


def test_the_full_chain_credits_the_volunteer_and_records_every_actor(civic, clock):
    worker = register(civic)
    order = place(civic)
    civic.dispatch_order(order.id, volunteer_id=worker.id, actor="dispatcher:d1")
    civic.accept_order(order.id, worker.id, actor=f"volunteer:{worker.id}")
    civic.start_service(order.id, worker.id, actor=f"volunteer:{worker.id}")
    clock.advance(timedelta(minutes=50))
    civic.complete_service(order.id, worker.id, 45, "trimmed", actor=f"volunteer:{worker.id}")
    civic.review_order(order.id, 5, "lovely", actor="channel:district-app")
    done, volunteer = civic.load(Order, order.id), civic.load(Volunteer, worker.id)
    assert (done.status, done.rating, done.service_minutes, done.completed_at) == ("reviewed", 5, 45, clock.now())
    assert (volunteer.service_minutes, volunteer.completed_orders, volunteer.average_rating) == (45, 1, 5.0)
    actors = [event.actor for event in civic.repository.event_store.get(order.id)]
    assert actors == ["channel:district-app", "dispatcher:d1"] + [f"volunteer:{worker.id}"] * 3 + [
        "channel:district-app"]


def test_accept_writes_the_order_and_the_volunteer_together_or_not_at_all(civic):
    worker = register(civic, capacity=1)
    first, second = place(civic), place(civic)
    for order in (first, second):
        civic.dispatch_order(order.id, volunteer_id=worker.id, actor="dispatcher:d1")
    civic.accept_order(first.id, worker.id, actor="v")
    before = count_events(civic)
    with pytest.raises(AtCapacity):
        civic.accept_order(second.id, worker.id, actor="v")
    assert count_events(civic) == before
    assert civic.load(Order, second.id).status == "dispatched"
    assert civic.load(Volunteer, worker.id).active_orders == [first.id]


def test_cancelling_an_accepted_order_frees_the_volunteer_in_the_same_save(civic):
    worker = register(civic)
    order = place(civic)
    civic.dispatch_order(order.id, volunteer_id=worker.id, actor="dispatcher:d1")
    civic.accept_order(order.id, worker.id, actor="v")
    civic.cancel_order(order.id, "resident away", actor="channel:district-app")
    assert civic.load(Volunteer, worker.id).active_orders == []


def test_urgent_orders_get_shorter_deadlines_and_windows_bound_completion(civic, clock):
    urgent = civic.load(Order, place(civic, priority="urgent").id)
    assert urgent.dispatch_by - clock.now() == timedelta(minutes=30)
    assert urgent.complete_by - clock.now() == timedelta(hours=24)
    window = (clock.now() + timedelta(days=1), clock.now() + timedelta(days=2))
    windowed = civic.load(Order, place(civic, window=window).id)
    assert windowed.complete_by == window[1]


@pytest.mark.parametrize("field, overrides", [("site_id", {"site_id": "post-nowhere"}),
                                               ("category", {"category": "juggling"})])
def test_an_order_naming_an_unknown_site_or_category_is_refused_and_writes_nothing(civic, field, overrides):
    before = count_events(civic)
    with pytest.raises(UnknownReference) as error:
        place(civic, **overrides)
    assert error.value.field == field and count_events(civic) == before


def test_dispatch_to_an_unknown_volunteer_or_team_is_refused(civic):
    from uuid import uuid4
    order = place(civic)
    with pytest.raises(UnknownReference, match="volunteer_id"):
        civic.dispatch_order(order.id, volunteer_id=uuid4(), actor="dispatcher:d1")
    with pytest.raises(UnknownReference, match="team_id"):
        civic.dispatch_order(order.id, team_id=uuid4(), actor="dispatcher:d1")


def test_a_command_on_a_missing_order_is_not_found(civic):
    from uuid import uuid4
    with pytest.raises(NotFound):
        civic.recall_order(uuid4(), "no such order", actor="dispatcher:d1")


def test_a_phone_number_registers_one_volunteer_only(civic):
    register(civic)
    with pytest.raises(AlreadyExists):
        register(civic)


def test_a_team_leader_is_its_first_member_and_members_can_grab_team_orders(civic):
    leader, member = register(civic), register(civic, phone="13800000002")
    crew = civic.create_team("Red Vests", "post-babaoshan-01", leader.id, actor="dispatcher:d1")
    civic.add_team_member(crew.id, member.id, actor="dispatcher:d1")
    order = place(civic)
    civic.dispatch_order(order.id, team_id=crew.id, actor="dispatcher:d1")
    civic.accept_order(order.id, member.id, actor="v")
    assert civic.load(Order, order.id).accepted_by == member.id
    assert civic.load(Volunteer, leader.id).team_ids == [crew.id]


def test_escalation_climbs_the_site_network_once_per_level_until_the_center(civic):
    order = place(civic)
    civic.escalate_order(order.id, "dispatch deadline missed", actor="system:supervisor")
    civic.escalate_order(order.id, "still waiting", actor="system:supervisor")
    assert civic.load(Order, order.id).responsible_site_id == "center"
    with pytest.raises(Exception, match="top site"):
        civic.escalate_order(order.id, "nowhere higher", actor="system:supervisor")
