"""The views read the domain's rules rather than restating them: after every event of a whole workflow the
aggregate, its order_board row and site_stats agree on the status; at every instant Order.is_overdue, the
presented board rows, the SQL clause of the list queries and the site's overdue count agree."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import pytest

from domain.door_codes import START, WrongDoorCode
from domain.order import Order
from projections import presenting
from tests.domain.builders import triggered_event_classes
from tests.projections.scenario import CHANNEL, DISPATCHER, SITE, place

Step = Callable[[], object]


def board(read_model, now: datetime, **filters) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    items, cursor = read_model.orders(now=now, limit=200, **filters)
    assert cursor is None
    return {item["id"]: item for item in items}


def workflow(app, clock, orders: list[UUID]) -> list[Step]:  # type: ignore[no-untyped-def]
    """Every recorded Order event at least once, one command per step, on orders placed at SITE."""
    v = app.register_volunteer("Zhang Wei", "13800000009", SITE, ["haircut"], actor=DISPATCHER).id
    by = f"volunteer:{v}"

    def later(delta: timedelta, command: Step) -> Step:
        return lambda: (clock.advance(delta), command())

    first, second, third = (lambda: orders[0]), (lambda: orders[1]), (lambda: orders[2])
    return [
        lambda: orders.append(place(app)), lambda: app.dispatch_order(first(), v, actor=DISPATCHER),
        lambda: app.decline_order(first(), v, "too far", actor=by),
        lambda: app.escalate_order(first(), "late", actor="system:supervisor"),
        lambda: app.dispatch_order(first(), v, actor=DISPATCHER),
        lambda: app.escalate_order(first(), "later", actor="system:supervisor"),  # stays dispatched
        lambda: app.recall_order(first(), "wrong person", actor=DISPATCHER),
        lambda: app.dispatch_order(first(), v, actor=DISPATCHER),
        later(timedelta(days=1), lambda: app.expire_dispatch(first(), actor="system:supervisor")),
        lambda: app.dispatch_order(first(), v, actor=DISPATCHER), lambda: app.accept_order(first(), v, actor=by),
        lambda: wrong_start_code(app, first(), v, by),
        lambda: app.start_service(first(), v, actor=by),
        later(timedelta(minutes=30), lambda: app.complete_service(first(), v, 30, actor=by)),
        lambda: app.review_order(first(), 4, "fine", actor=CHANNEL),
        lambda: app.confirm_service(first(), "the resident called", actor=DISPATCHER),
        lambda: orders.append(place(app)), lambda: app.dispatch_order(second(), v, actor=DISPATCHER),
        lambda: app.accept_order(second(), v, actor=by), lambda: app.start_service(second(), v, actor=by),
        later(timedelta(minutes=20), lambda: app.complete_service(second(), v, 20, actor=by)),
        later(timedelta(days=30), lambda: app.close_review_window(second(), actor="system:supervisor")),
        lambda: orders.append(place(app)), lambda: app.cancel_order(third(), "resident moved", actor=CHANNEL),
    ]


def wrong_start_code(app, order_id: UUID, volunteer_id: UUID, by: str) -> None:  # type: ignore[no-untyped-def]
    """A wrong door code: recorded (DoorCodeRefused), then refused."""
    right = app.door_codes.code(order_id, app.load(Order, order_id).version, START)
    with pytest.raises(WrongDoorCode):
        app.start_service(order_id, volunteer_id, f"{(int(right) + 1) % 1_000_000:06d}", actor=by)


def test_the_aggregate_its_board_row_and_site_stats_agree_on_the_status_after_each_event(app, clock, read_model):
    orders: list[UUID] = []
    for step in workflow(app, clock, orders):
        step()
        read_model.catch_up()
        aggregates = {str(order_id): app.load(Order, order_id).status for order_id in orders}
        assert {order_id: row["status"] for order_id, row in board(read_model, clock.now()).items()} == aggregates
        counts = read_model.site_stats(SITE)["counts"]
        assert Counter({status: n for status, n in counts.items() if n}) == Counter(aggregates.values())
    recorded = {item["type"] for order_id in orders for item in read_model.history(order_id)}
    assert recorded == {cls.__name__ for cls in triggered_event_classes()}


def orders_in_every_status(app, clock) -> list[UUID]:  # type: ignore[no-untyped-def]
    """Orders at SITE in every status, placed at different times (so their deadlines differ), one urgent."""
    orders: list[UUID] = []
    for step in workflow(app, clock, orders):
        step()
    v = app.register_volunteer("Li Na", "13800000010", SITE, ["haircut"], actor=DISPATCHER).id
    for stage in range(5):  # placed, dispatched, accepted, in service, completed
        clock.advance(timedelta(hours=5))
        order_id = place(app)
        orders.append(order_id)
        commands = [lambda: app.dispatch_order(order_id, v, actor=DISPATCHER),
                    lambda: app.accept_order(order_id, v, actor=f"volunteer:{v}"),
                    lambda: app.start_service(order_id, v, actor=f"volunteer:{v}"),
                    lambda: app.complete_service(order_id, v, 1, actor=f"volunteer:{v}")]
        for command in commands[:stage]:
            command()
    urgent = app.place_order("haircut", SITE, "now please", {"name": "A", "phone": "1", "address": "x"},
                             "district-app", priority="urgent", actor=CHANNEL).id
    return [*orders, urgent]


def test_is_overdue_the_board_rows_and_the_sql_clause_agree_at_every_instant(app, clock, read_model):
    orders = orders_in_every_status(app, clock)
    read_model.catch_up()
    aggregates = [app.load(Order, order_id) for order_id in orders]
    deadlines = {d for order in aggregates for d in order.deadlines.values() if d is not None}
    second = timedelta(seconds=1)
    instants = sorted({clock.now(), *(d + step for d in deadlines for step in (-second, timedelta(0), second))})
    for now in instants:
        expected = {str(order.id): order.is_overdue(now) for order in aggregates}
        assert {str(order.id): presenting.order(order, now)["overdue"] for order in aggregates} == expected
        assert {order_id: row["overdue"] for order_id, row in board(read_model, now).items()} == expected
        assert set(board(read_model, now, overdue=True)) == {i for i, late in expected.items() if late}
        assert set(board(read_model, now, overdue=False)) == {i for i, late in expected.items() if not late}
        assert read_model.site_stats(SITE, now=now)["overdue"] == sum(expected.values())
    assert any(read_model.site_stats(SITE, now=now)["overdue"] for now in instants)  # the instants do tell
