"""Views made before door codes (DESIGN §17) gain their columns in place when opened: an order_board without
door_codes and service_basis, a volunteer_roster without confirmed and declared minutes. What was credited before
was declared, so the filled rows are those a fold from position 0 makes (no refold needed)."""

from __future__ import annotations

from datetime import timedelta

from domain.order import Order
from domain.volunteer import Volunteer
from interfaces.bootstrap import open_read_model
from projections.views.column_upgrade import ADDED
from tests.projections.scenario import SITE


def served_before_door_codes(app, clock):  # type: ignore[no-untyped-def]
    """An order served the way every order was before door codes: accepted without them, declared."""
    worker_id = app.register_volunteer("Li Lei", "13800000009", SITE, ["haircut"], actor="dispatcher:d1").id
    order_id = app.place_order("haircut", SITE, "a haircut at home", {"name": "Wang Fang", "phone": "13900000000",
                                                                     "address": "3 Bianfu Lane"},
                               "district-app", actor="channel:district-app").id
    app.dispatch_order(order_id, volunteer_id=worker_id, actor="dispatcher:d1")
    order, worker = app.load(Order, order_id), app.load(Volunteer, worker_id)
    order.accept(worker, None, actor="v", at=clock.now())  # no code digests: as before door codes
    order.start_service(worker, actor="v", at=clock.now())
    clock.advance(timedelta(minutes=40))
    order.complete_service(worker, 35, None, review_by=clock.now() + timedelta(days=7), actor="v", at=clock.now())
    app.commit([order, worker])
    return order_id, worker_id


def test_views_from_before_door_codes_are_upgraded_in_place_when_opened(app, clock, read_model):
    order_id, worker_id = served_before_door_codes(app, clock)
    read_model.catch_up()
    with read_model.engine.begin() as conn:
        for table, columns in ADDED.items():
            for name in columns:
                conn.exec_driver_sql(f"ALTER TABLE {table} DROP COLUMN {name}")
    upgraded = open_read_model(app)  # creating the tables adds and fills the columns
    try:
        assert list(upgraded.replay()) == []  # the same rows a fold from position 0 makes
        order = upgraded.order_at(order_id, now=clock.now())
        assert (order["service_basis"], order["door_codes"]) == ("declared", None)
        [volunteer] = [v for v in upgraded.volunteers(limit=200)[0] if v["id"] == str(worker_id)]
        assert (volunteer["confirmed_minutes"], volunteer["declared_minutes"], volunteer["service_minutes"]) == \
            (0, 35, 35)
    finally:
        upgraded.close()
