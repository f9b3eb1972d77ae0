"""Supervision steps the injected clock across each deadline of DESIGN §10 and records the right events."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from application.settings import Settings
from domain.order import Order
from domain.volunteer import Volunteer
from tests.application.conftest import place, register
from tests.conftest import make_app
from tests.fakes import InMemoryCandidates, InMemoryDueOrders

SECOND = timedelta(seconds=1)


@pytest.fixture
def due() -> InMemoryDueOrders:
    return InMemoryDueOrders()


@pytest.fixture
def civic(memory_app, due):  # type: ignore[no-untyped-def]
    memory_app.use_due_orders(due)
    return memory_app


def event_types(app, order_id: UUID) -> list[str]:  # type: ignore[no-untyped-def]
    return [type(e).__name__ for e in app.repository.event_store.get(order_id)]


def placed(app, due: InMemoryDueOrders, **fields) -> UUID:  # type: ignore[no-untyped-def]
    order_id = place(app, **fields).id
    due.order_ids.add(order_id)
    return order_id


def test_a_missed_dispatch_deadline_escalates_once_to_the_station(civic, due, clock):
    order_id = placed(civic, due)
    clock.advance(timedelta(hours=2))
    assert civic.supervise() == {}                              # at the deadline itself: not yet missed
    clock.advance(SECOND)
    assert civic.supervise() == {"escalated": 1}
    assert civic.supervise() == {}                              # the same instant again: nothing more
    clock.advance(timedelta(days=3))
    assert civic.supervise() == {}                              # once per missed deadline
    order = civic.load(Order, order_id)
    assert event_types(civic, order_id) == ["Placed", "Escalated"]
    assert (order.status, order.responsible_site_id) == ("placed", "station-babaoshan")
    assert order.escalations[0]["from_site"] == "post-babaoshan-01"


def test_urgent_orders_escalate_after_thirty_minutes(civic, due, clock):
    order_id = placed(civic, due, priority="urgent")
    clock.advance(timedelta(minutes=30))
    assert civic.supervise() == {}
    clock.advance(SECOND)
    assert civic.supervise() == {"escalated": 1}
    assert civic.load(Order, order_id).responsible_site_id == "station-babaoshan"


def test_an_unaccepted_dispatch_expires_and_each_missed_deadline_climbs_one_level(civic, due, clock):
    worker = register(civic).id
    order_id = placed(civic, due)
    clock.advance(timedelta(minutes=10))
    civic.dispatch_order(order_id, worker, actor="dispatcher:d1")          # accept by 09:10
    clock.advance(timedelta(hours=1))
    assert civic.supervise() == {}
    clock.advance(SECOND)
    assert civic.supervise() == {"escalated": 1, "expired": 1}           # post → station, back to placed
    assert civic.supervise() == {}
    clock.set(civic.load(Order, order_id).dispatch_by + SECOND)
    assert civic.supervise() == {"escalated": 1}                           # the dispatch deadline: → center
    civic.dispatch_order(order_id, worker, actor="dispatcher:d1")
    clock.advance(timedelta(hours=1, seconds=1))
    assert civic.supervise() == {"expired": 1}                             # the center has no parent
    assert event_types(civic, order_id) == ["Placed", "Dispatched", "Escalated", "DispatchExpired", "Escalated",
                                            "Dispatched", "DispatchExpired"]
    assert [e["to_site"] for e in civic.load(Order, order_id).escalations] == ["station-babaoshan", "center"]


def complete(app, clock, worker: UUID, order_id: UUID) -> None:  # type: ignore[no-untyped-def]
    app.dispatch_order(order_id, worker, actor="dispatcher:d1")
    app.accept_order(order_id, worker, actor="v")
    app.start_service(order_id, worker, actor="v")
    clock.advance(timedelta(minutes=40))
    app.complete_service(order_id, worker, 40, actor="v")


def test_an_unreviewed_completion_closes_after_its_window_and_reviewed_ones_stay(civic, due, clock):
    worker = register(civic).id
    silent, reviewed = placed(civic, due), placed(civic, due)
    complete(civic, clock, worker, silent)
    complete(civic, clock, worker, reviewed)
    civic.review_order(reviewed, 5, actor="channel:district-app")
    clock.set(civic.load(Order, reviewed).review_by)
    assert civic.supervise() == {"closed": 1}                               # `silent` completed 40 minutes earlier
    assert civic.supervise() == {}
    assert civic.load(Order, silent).status == "closed" and civic.load(Order, reviewed).status == "reviewed"
    assert event_types(civic, silent)[-1] == "ReviewWindowClosed"


def test_expired_dispatches_are_redispatched_to_someone_else_when_auto_dispatch_is_on(clock, tmp_path, due):
    app = make_app(Settings(database_url="memory://", var_dir=tmp_path / "var", auto_dispatch=True), clock)
    source = InMemoryCandidates()
    app.use_candidates(source)
    app.use_due_orders(due)
    first, second = (app.load(Volunteer, register(app, phone=p).id) for p in ("13800000001", "13800000002"))
    source.add_volunteer(first, rating=5.0)
    source.add_volunteer(second, rating=1.0)
    order_id = placed(app, due)
    app.auto_dispatch_order(order_id, actor="dispatcher:d1")
    clock.advance(timedelta(hours=1, seconds=1))
    assert app.supervise() == {"escalated": 1, "expired": 1, "redispatched": 1}
    assert app.supervise() == {}
    assert app.load(Order, order_id).assignee_volunteer_id == second.id
    assert event_types(app, order_id)[-2:] == ["DispatchExpired", "Dispatched"]


def test_orders_that_are_not_due_are_left_alone_whatever_the_view_says(civic, due, clock):
    cancelled = placed(civic, due)
    civic.cancel_order(cancelled, "resident changed their mind", actor="channel:district-app")
    fresh = placed(civic, due)
    clock.advance(timedelta(days=30))
    civic.supervise()
    assert event_types(civic, cancelled) == ["Placed", "Cancelled"]
    assert event_types(civic, fresh) == ["Placed", "Escalated"]
