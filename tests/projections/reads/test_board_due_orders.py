"""The order_board's DueOrders adapter finds the orders past a deadline, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from projections.reads.deadlines import BoardDueOrders
from tests.application.conftest import place, register


def test_due_orders_are_those_past_their_stage_deadline_in_pages(app, clock, read_model):
    worker = register(app).id
    waiting, fresh = place(app).id, None
    dispatched = place(app).id
    app.dispatch_order(dispatched, worker, actor="dispatcher:d1")
    clock.advance(timedelta(hours=1, minutes=30))
    fresh = place(app).id
    read_model.catch_up()
    due = BoardDueOrders(read_model.engine, read_model.tables)
    assert set(due.due_order_ids(clock.now())) == {dispatched}
    clock.advance(timedelta(minutes=31))
    assert set(due.due_order_ids(clock.now())) == {dispatched, waiting}
    first, = due.due_order_ids(clock.now(), limit=1)
    assert due.due_order_ids(clock.now(), after=first) == sorted({dispatched, waiting} - {first}, key=str)
    assert fresh not in due.due_order_ids(clock.now() + timedelta(minutes=1))


def test_supervise_over_the_board_applies_every_deadline_once(app, clock, read_model):
    worker = register(app).id
    order = place(app).id
    app.dispatch_order(order, worker, actor="dispatcher:d1")
    app.use_due_orders(BoardDueOrders(read_model.engine, read_model.tables))
    clock.advance(timedelta(hours=3))
    read_model.catch_up()
    assert app.supervise() == {"escalated": 1, "expired": 1}
    read_model.catch_up()
    assert app.supervise() == {}


def test_placed_orders_already_escalated_for_their_missed_deadline_are_skipped(app, clock, read_model):
    escalated, waiting = place(app).id, place(app).id
    clock.advance(timedelta(hours=2, minutes=1))
    app.escalate_order(escalated, "dispatch deadline missed", actor="system:supervisor")
    read_model.catch_up()
    due = BoardDueOrders(read_model.engine, read_model.tables)
    assert due.due_order_ids(clock.now()) == [waiting]
    assert due.due_order_ids(clock.now(), limit=1) == [waiting]
