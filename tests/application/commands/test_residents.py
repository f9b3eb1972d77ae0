"""Residents' personal data: sealed before it is stored, opened only through the policy (masked in one format for
everyone without the right), the volunteer's access ending 7 days after completion, erasure by destroying the
key, and a copy of everything held."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from application.errors import NotFound
from application.policy import OrderReach, Principal
from domain.order import Order
from domain.privacy import ERASED
from domain.resident import ResidentErasure
from projections import presenting
from tests.application.conftest import RESIDENT, place, register

CHANNEL = Principal(uuid4(), "channel", channel="district-app")
OTHER_CHANNEL = Principal(uuid4(), "channel", channel="hotline-12345")
DISPATCHER = Principal(uuid4(), "dispatcher", site_id="station-babaoshan")
INSPECTOR = Principal(uuid4(), "inspector")
ADMIN = Principal(uuid4(), "admin")
OTHER = {"name": "Zhao Lei", "phone": "13700000000", "address": "9 Shijingshan Road"}
PLACE = "八宝山街道第01社区新时代文明实践站"  # the order's site: what a masked address shows (domain/privacy.py)


def stored_bytes(app) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(n.state for n in app.recorder.select_notifications(1, 10_000))


def shown_to(app, principal: Principal, order_id) -> dict:  # type: ignore[no-untyped-def]
    return app.policy.shown(principal, presenting.order(app.load(Order, order_id), app.clock.now()))


def serve(app, clock, order_id, note: str | None = None):  # type: ignore[no-untyped-def]
    worker = register(app)
    app.dispatch_order(order_id, volunteer_id=worker.id, actor="dispatcher:d1")
    app.accept_order(order_id, worker.id, actor="v")
    app.start_service(order_id, worker.id, actor="v")
    clock.advance(timedelta(minutes=30))
    app.complete_service(order_id, worker.id, 25, note, actor="v")
    return Principal(uuid4(), "volunteer", volunteer_id=worker.id)


def test_personal_fields_are_sealed_before_they_are_stored(civic):
    order = place(civic, description="please call 13912345678 first")
    stored = stored_bytes(civic)
    for secret in (RESIDENT["name"], RESIDENT["phone"], RESIDENT["address"], "13912345678"):
        assert secret.encode() not in stored
    assert civic.residents.revealed(presenting.order(civic.load(Order, order.id), civic.clock.now()))[
        "resident"] == RESIDENT


def test_those_with_the_right_read_in_clear_everyone_else_in_the_one_masked_format(civic):
    order = place(civic, description="please call 13912345678 first")
    assert shown_to(civic, CHANNEL, order.id)["resident"] == RESIDENT
    assert shown_to(civic, DISPATCHER, order.id)["description"] == "please call 13912345678 first"
    masked = shown_to(civic, INSPECTOR, order.id)
    assert masked["resident"] == {"name": "W********", "phone": "139****0000", "address": PLACE}
    assert masked["description"] == "please call 139****5678 first"


def test_the_volunteers_access_ends_seven_days_after_completion(civic, clock):
    order = place(civic)
    volunteer = serve(civic, clock, order.id, note="resident at 13912345678 was out")
    assert shown_to(civic, volunteer, order.id)["resident"] == RESIDENT
    clock.advance(timedelta(days=7))
    assert shown_to(civic, volunteer, order.id)["resident"] == RESIDENT  # seven days, not yet more
    clock.advance(timedelta(seconds=1))
    assert shown_to(civic, volunteer, order.id)["resident"]["phone"] == "139****0000"
    assert civic.policy.sees_resident(CHANNEL, OrderReach.of_order(civic.load(Order, order.id)))


def test_erasure_destroys_the_key_and_every_read_says_erased(civic, clock):
    order = place(civic)
    serve(civic, clock, order.id, note="a note")
    civic.review_order(order.id, 5, "kind, call me on 13900000000", actor="channel:district-app")
    other = place(civic, resident=OTHER)
    rid = civic.residents.resident_id(RESIDENT["phone"])
    result = civic.erase_resident(rid, "asked in person; 13900000000", actor="admin:a")
    erasure = civic.load(ResidentErasure, result.id)
    assert (erasure.resident_id, erasure.order_ids, erasure.reason) == (rid, [str(order.id)], "asked in person; 139****0000")
    opened = shown_to(civic, CHANNEL, order.id)
    assert opened["resident"] == {"name": ERASED, "phone": ERASED, "address": ERASED}
    assert (opened["description"], opened["comment"]) == (ERASED, ERASED)
    assert shown_to(civic, CHANNEL, other.id)["resident"] == OTHER  # no one else's
    assert b"13900000000" not in stored_bytes(civic) and civic.residents.keys.key(rid) is None
    again = civic.erase_resident(rid, "twice", actor="admin:a")
    assert again.id == result.id and civic.load(ResidentErasure, result.id).reason == erasure.reason
    with pytest.raises(NotFound):
        civic.erase_resident(civic.residents.resident_id("13100000000"), "nobody", actor="admin:a")


def test_text_typed_about_an_erased_residents_order_is_not_kept(civic, clock):
    order = place(civic)
    civic.erase_resident(civic.residents.resident_id(RESIDENT["phone"]), "asked", actor="admin:a")
    civic.cancel_order(order.id, "called back from 13900000000", actor="channel:district-app")
    assert civic.load(Order, order.id).cancel_reason == ERASED and b"13900000000" not in stored_bytes(civic)


def test_an_erasure_whose_first_try_destroyed_the_key_but_was_not_recorded_is_recorded_by_the_retry(civic):
    order = place(civic)
    rid = civic.residents.resident_id(RESIDENT["phone"])
    civic.residents.keys.destroy(rid)  # as a first try that crashed before its event was saved
    erasure = civic.load(ResidentErasure, civic.erase_resident(rid, "retried", actor="admin:a").id)
    assert erasure.order_ids == [str(order.id)]


def test_a_copy_of_everything_held_for_an_admin_and_for_the_placing_channel_only(civic):
    first = place(civic)
    second = place(civic, channel="hotline-12345", actor="channel:hotline-12345")
    rid = civic.residents.resident_id(RESIDENT["phone"])
    orders, erasure = civic.resident_orders(rid, ADMIN)
    assert {o.id for o in orders} == {first.id, second.id} and erasure is None
    assert [o.id for o in civic.resident_orders(rid, OTHER_CHANNEL)[0]] == [second.id]
    with pytest.raises(NotFound):
        civic.resident_orders(civic.residents.resident_id(OTHER["phone"]), CHANNEL)


def test_a_page_of_orders_shown_at_once_reads_as_each_shown_alone(civic, clock):
    first, second, third = place(civic), place(civic, resident=OTHER), place(civic, description="call 13912345678")
    civic.erase_resident(civic.residents.resident_id(OTHER["phone"]), "asked", actor="admin:a")
    rows = [presenting.order(civic.load(Order, o.id), civic.clock.now()) for o in (first, second, third)]
    for principal in (CHANNEL, DISPATCHER, INSPECTOR, OTHER_CHANNEL):
        assert civic.policy.shown_all(principal, rows) == [civic.policy.shown(principal, row) for row in rows]
    assert civic.policy.shown_all(CHANNEL, rows)[1]["resident"]["name"] == ERASED
    assert civic.policy.shown_all(CHANNEL, []) == []
