"""/api/v1/audit over HTTP: incremental verification, full verification as a job, checkpoints with the key's
fingerprint, exports an inspector proves with civicflow-verify; and no table an attacker edits makes it a 500."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import update

from civicflow_verify import fingerprint, verify_lines
from tests.interfaces.web.world import RESIDENT, World
from tests.projections.audit.tamper import RawStore


def test_verify_is_incremental_from_the_newest_signed_checkpoint_and_records_where_it_got(world: World) -> None:
    world.order_in("reviewed")
    verified = world.ok("inspector", "GET", "/api/v1/audit/verify")
    assert verified["ok"] is True and verified["checked"] == world.app.recorder.max_notification_id()
    assert verified["first_bad_position"] is None
    again = world.ok("admin", "GET", "/api/v1/audit/verify")
    assert again["ok"] and again["from_position"] == world.app.recorder.max_notification_id()


def test_a_full_verification_is_a_job_read_by_its_location(web: Flask, world: World) -> None:
    world.order_in("completed")
    started = world.call("inspector", "POST", "/api/v1/audit/verifications", {}, **{"Idempotency-Key": "v-1"})
    assert started.status_code == 202 and started.get_json()["state"] in ("queued", "running", "passed")
    location = started.headers["Location"]
    assert location == f"/api/v1/audit/verifications/{started.get_json()['id']}"
    assert web.extensions["civicflow.background"].join(timeout=60)
    job = world.ok("admin", "GET", location)
    assert job["state"] == "passed" and job["result"]["ok"] is True
    assert job["result"]["checked"] == world.app.recorder.max_notification_id()
    retried = world.call("inspector", "POST", "/api/v1/audit/verifications", {}, **{"Idempotency-Key": "v-1"})
    assert retried.status_code == 202 and retried.get_json()["id"] == job["id"]
    assert world.call("inspector", "GET", "/api/v1/audit/verifications/nope").status_code == 404
    assert world.call("channel", "POST", "/api/v1/audit/verifications", {}).status_code == 403


def test_a_full_verification_job_names_the_first_altered_event(web: Flask, world: World) -> None:
    order = world.order_in("completed")
    position = world.ok("inspector", "GET", f"/api/v1/audit/events?aggregate_id={order['id']}")["items"][2]["position"]
    raw = RawStore(world.app)
    raw.flip_byte(position)
    raw.close()
    location = world.call("inspector", "POST", "/api/v1/audit/verifications", {}).headers["Location"]
    assert web.extensions["civicflow.background"].join(timeout=60)
    job = world.ok("inspector", "GET", location)
    assert job["state"] == "failed" and job["result"]["first_bad_position"] == position


def test_an_export_is_proven_by_the_standalone_verifier_against_the_published_key(world: World) -> None:
    order = world.order_in("reviewed")
    checkpoints = world.ok("admin", "GET", "/api/v1/audit/checkpoints")
    key = checkpoints["public_key"]
    assert checkpoints["fingerprint"] == fingerprint(key) and checkpoints["items"][0]["count"] == 0
    for fmt, mimetype in (("jsonl", "application/x-ndjson"), ("csv", "text/csv")):
        exported = world.call("inspector", "GET", f"/api/v1/audit/export?format={fmt}")
        text = exported.get_data(as_text=True)
        assert exported.mimetype == mimetype and order["id"] in text
        assert RESIDENT["phone"] not in text and RESIDENT["name"] not in text
        report = verify_lines(text.splitlines(keepends=True), key)
        assert report["ok"] and report["events"] == world.app.recorder.max_notification_id(), report


def test_lowering_the_audit_position_below_an_altered_event_is_reported_never_a_500(web: Flask, world: World) -> None:
    """The issue's attack: the views fold the altered event again; verification still reads the store and the
    signed checkpoints, and a read that cannot catch the views up says so (503), not 500."""
    order = world.order_in("completed")
    world.ok("inspector", "GET", "/api/v1/audit/verify")  # signs the tip: the history so far is proven
    events = world.ok("inspector", "GET", f"/api/v1/audit/events?aggregate_id={order['id']}")["items"]
    raw = RawStore(world.app)
    raw.set_state(events[-1]["position"], b"\xff not an event")  # undecodable now
    raw.close()
    model = web.extensions["civicflow.read_model"]
    with model.engine.begin() as conn:
        conn.execute(update(model.tables.positions).values(position=events[0]["position"]))
    verified = world.call("inspector", "GET", "/api/v1/audit/verify")  # incremental: from the signed tip on
    assert verified.status_code == 200 and verified.get_json()["from_position"] > events[-1]["position"]
    damaged = world.call("dispatcher", "GET", "/api/v1/orders")  # a list is read from the views
    assert damaged.status_code == 503 and damaged.get_json()["type"].endswith("/views-damaged")
    location = world.call("inspector", "POST", "/api/v1/audit/verifications", {}).headers["Location"]
    assert web.extensions["civicflow.background"].join(timeout=60)
    assert world.ok("inspector", "GET", location)["result"]["first_bad_position"] == events[-1]["position"]


def test_a_deleted_checkpoint_is_reported(web: Flask, world: World) -> None:
    world.order_in("reviewed")
    world.ok("inspector", "GET", "/api/v1/audit/verify")
    world.order_in("reviewed")
    world.ok("inspector", "GET", "/api/v1/audit/verify")
    model = web.extensions["civicflow.read_model"]
    _, marks = model.checkpoints()
    with model.engine.begin() as conn:
        conn.execute(model.tables.checkpoints.delete().where(model.tables.checkpoints.c.position ==
                                                             marks[1]["position"]))
    location = world.call("inspector", "POST", "/api/v1/audit/verifications", {}).headers["Location"]
    assert web.extensions["civicflow.background"].join(timeout=60)
    result = world.ok("inspector", "GET", location)["result"]
    assert (result["ok"], result["first_bad_position"]) == (False, marks[2]["position"])
    assert "deleted" in result["reason"]
