"""The dispatcher's queue over the order board (reads/queue.py), on SQLite and PostgreSQL: escalated first, then by
the deadline of the order's present stage, keyset paging, filters — and, on SQLite, one index range, no sort."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from tests.application.conftest import place, register

STATION, POST = "station-babaoshan", "post-babaoshan-01"


def open_orders(app, clock):  # type: ignore[no-untyped-def]
    """Four open orders and a cancelled one; returns them by name."""
    worker = register(app).id
    normal = place(app).id  # dispatch within 2 h
    clock.advance(timedelta(minutes=5))
    urgent = place(app, priority="urgent").id  # within 30 min: due before `normal`
    dispatched = place(app).id
    app.dispatch_order(dispatched, worker, actor="dispatcher:d1")  # accept within 1 h
    escalated = place(app).id
    app.escalate_order(escalated, "dispatch deadline missed", actor="system:supervisor")
    cancelled = place(app, priority="urgent").id
    app.cancel_order(cancelled, "placed twice", actor="dispatcher:d1")
    return {"normal": normal, "urgent": urgent, "dispatched": dispatched, "escalated": escalated,
            "cancelled": cancelled}


def ids(rows):  # type: ignore[no-untyped-def]
    return [row["id"] for row in rows]


def test_the_queue_puts_escalated_first_then_the_nearest_deadline_and_pages_by_keyset(app, clock, read_model):
    made = {name: str(order_id) for name, order_id in open_orders(app, clock).items()}
    read_model.catch_up()
    expected = [made["escalated"], made["urgent"], made["dispatched"], made["normal"]]
    everything, end = read_model.queue(jurisdiction=STATION, now=clock.now(), limit=10)
    assert ids(everything) == expected and end is None
    first, cursor = read_model.queue(jurisdiction=STATION, now=clock.now(), limit=2)
    second, end = read_model.queue(jurisdiction=STATION, now=clock.now(), limit=2, cursor=cursor)
    assert ids(first) + ids(second) == expected and end is None


def test_the_queue_filters_by_status_category_and_placing_time(app, clock, read_model):
    made = {name: str(order_id) for name, order_id in open_orders(app, clock).items()}
    read_model.catch_up()
    by_status, _ = read_model.queue(jurisdiction=STATION, now=clock.now(), status="dispatched")
    assert ids(by_status) == [made["dispatched"]]
    later, _ = read_model.queue(jurisdiction=POST, now=clock.now(), placed_after=clock.now() - timedelta(minutes=1))
    assert made["normal"] not in ids(later) and made["urgent"] in ids(later)
    haircuts, _ = read_model.queue(jurisdiction=STATION, now=clock.now(), category="haircut")
    nothing, _ = read_model.queue(jurisdiction=STATION, now=clock.now(), category="health")
    assert len(haircuts) == 4 and nothing == []


def test_another_jurisdiction_sees_none_of_them(app, clock, read_model):
    open_orders(app, clock)
    read_model.catch_up()
    assert read_model.queue(jurisdiction="station-laoshan", now=clock.now()) == ([], None)


def test_on_sqlite_a_queue_page_is_one_index_range_without_a_sort(app, clock, read_model):
    if read_model.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner picks by table statistics: a handful of rows are scanned, not indexed")
    open_orders(app, clock)
    read_model.catch_up()
    statements: list[tuple[str, object]] = []
    event.listen(read_model.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: statements.append((sql, params)))
    read_model.queue(jurisdiction=STATION, now=clock.now())
    sql, params = next((sql, params) for sql, params in statements if "ORDER BY" in sql)
    with read_model.engine.connect() as conn:
        plan = " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "_queue" in plan and "TEMP B-TREE" not in plan, plan
