"""The inspector's pages: the timeline (masked, with "as of"), the audit trail's filters and paging, verification,
checkpoints and the key's fingerprint, export downloads, the in-browser verifier's page; and who may open them."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from civicflow_verify import fingerprint, verify_lines
from tests.interfaces.web.world import RESIDENT


def test_an_inspector_reads_the_timeline_with_the_phone_masked(console_as, world):
    order = world.order_in("reviewed")
    inspector = console_as("inspector")  # signed in after the clock moved
    html = inspector.get(f"/console/inspect/orders/{order['id']}").get_data(as_text=True)
    assert "139****2222" in html and RESIDENT["phone"] not in html
    assert RESIDENT["name"] not in html and "王**" in html
    for step in ("Placed", "Dispatched", "Accepted", "ServiceStarted", "ServiceCompleted", "Reviewed"):
        assert step in html
    assert "channel:district-app" in html  # who


def test_as_of_shows_the_order_at_a_version_and_at_an_instant(console_as, world, clock):
    placed_at = clock.now()
    order = world.order_in("completed")
    inspector = console_as("inspector")  # signed in after the clock moved
    first = inspector.get(f"/console/inspect/orders/{order['id']}/as-of?version=1", headers={"HX-Request": "true"})
    assert first.status_code == 200
    text = first.get_data(as_text=True)
    assert 'data-version="1" data-status="placed"' in text and "已下单" in text and "139****2222" in text
    before = (placed_at - timedelta(seconds=1)).isoformat()
    absent = inspector.get(f"/console/inspect/orders/{order['id']}/as-of", query_string={"at": before})
    assert "data-version" not in absent.get_data(as_text=True)
    in_service = inspector.get(f"/console/inspect/orders/{order['id']}/as-of",
                               query_string={"at": (placed_at + timedelta(minutes=5)).isoformat()})
    assert f'data-version="{order["version"] - 1}"' in in_service.get_data(as_text=True)  # before completion
    latest = inspector.get(f"/console/inspect/orders/{order['id']}?version=99").get_data(as_text=True)
    assert f'data-version="{order["version"]}" data-status="completed"' in latest and "已完成" in latest


def test_a_dispatcher_cannot_open_inspector_pages(console_as, world):
    dispatcher = console_as("dispatcher")
    order = world.order_in("placed")
    for path in (f"/console/inspect/orders/{order['id']}", "/console/inspect/orders", "/console/audit/",
                 "/console/audit/verification", "/console/audit/export", "/console/audit/verify-file"):
        assert dispatcher.get(path).status_code == 404, path


def test_pages_without_a_session_send_to_sign_in(client):
    assert client.get("/console/audit/").status_code == 302


def test_the_trail_filters_by_actor_type_aggregate_and_pages(console_as, world):
    order = world.order_in("accepted")
    inspector = console_as("inspector")  # signed in after the clock moved
    everything = inspector.get("/console/audit/").get_data(as_text=True)
    assert "Registered" in everything and RESIDENT["phone"] not in everything
    by_type = inspector.get("/console/audit/?type=Accepted").get_data(as_text=True)
    assert by_type.count("<td>Accepted</td>") == 1 and "<td>Placed</td>" not in by_type
    by_order = inspector.get(f"/console/audit/?aggregate_id={order['id']}").get_data(as_text=True)
    assert by_order.count("<tr><td>") == 3  # placed, dispatched, accepted
    by_actor = inspector.get("/console/audit/?actor=nobody:at-all").get_data(as_text=True)
    assert "<tr><td>" not in by_actor
    future = inspector.get("/console/audit/?since=2100-01-01").get_data(as_text=True)
    assert "<tr><td>" not in future


def test_the_trail_pages_by_position(console_as, world):
    for _ in range(30):  # 30 orders → 30 Placed events: more than one page of 50 with the setup events
        world.place()
    inspector = console_as("inspector")  # signed in after the clock moved
    first = inspector.get("/console/audit/").get_data(as_text=True)
    assert 'id="next-page"' in first
    after = int(first.split('id="next-page" href="/console/audit/?after=')[1].split('"')[0])
    assert positions(first)[-1] == after and len(positions(first)) == 50
    second = inspector.get(f"/console/audit/?after={after}").get_data(as_text=True)
    assert positions(second) and positions(second)[0] > after


def positions(html: str) -> list[int]:
    return [int(cell.split("<")[0]) for cell in html.split("<tr><td>")[1:]]


def test_verification_shows_the_key_fingerprint_checkpoints_and_an_ok_result(console_as, world, web):
    world.order_in("placed")
    inspector = console_as("inspector")  # signed in after the clock moved
    html = inspector.get("/console/audit/verification").get_data(as_text=True)
    public_key, _ = web.extensions["civicflow.read_model"].checkpoints()
    assert public_key in html and fingerprint(public_key) in html and 'id="checkpoints"' in html
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    result = inspector.post("/console/audit/verification", data={"csrf_token": token},
                            headers={"HX-Request": "true", "X-CSRFToken": token}).get_data(as_text=True)
    assert "verdict-ok" in result


def test_verification_shows_the_first_bad_position_in_red(console_as, world, web):
    from sqlalchemy import update
    world.order_in("dispatched")
    model = web.extensions["civicflow.read_model"]
    model.catch_up()
    t = model.tables.audit_log
    with model.engine.begin() as conn:  # the audit table's hash of one row forged
        conn.execute(update(t).where(t.c.position == 5).values(hash="0" * 64))
    inspector = console_as("inspector")  # signed in after the clock moved
    html = inspector.get("/console/audit/verification").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    result = inspector.post("/console/audit/verification", data={"csrf_token": token}).get_data(as_text=True)
    assert "verdict-bad" in result and 'id="verify-outcome-first-bad">' in result
    assert result.split('id="verify-outcome-first-bad">')[1].split("<")[0].strip().isdigit()


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_downloads_streamed_and_verifies(console_as, world, fmt):
    world.order_in("reviewed")
    inspector = console_as("inspector")  # signed in after the clock moved
    response = inspector.get(f"/console/audit/export?format={fmt}")
    assert response.status_code == 200 and response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert RESIDENT["phone"] not in text
    assert verify_lines(io.StringIO(text, newline=""))["ok"]


def test_an_unknown_export_format_is_a_404_page(console_as):
    inspector = console_as("inspector")  # signed in after the clock moved
    assert inspector.get("/console/audit/export?format=xml").status_code == 404


def test_the_verify_page_serves_the_verifier_and_the_key(console_as, web):
    inspector = console_as("inspector")  # signed in after the clock moved
    html = inspector.get("/console/audit/verify-file").get_data(as_text=True)
    public_key, _ = web.extensions["civicflow.read_model"].checkpoints()
    assert 'id="verify-form"' in html and fingerprint(public_key) in html and "verify.js" in html
    script = inspector.get("/console/static/verify.js")
    assert script.status_code == 200 and b"CivicflowVerify" in script.data


def test_a_foreign_order_id_and_a_missing_one_answer_alike(console_as):
    inspector = console_as("inspector")  # signed in after the clock moved
    assert inspector.get("/console/inspect/orders/00000000-0000-0000-0000-000000000000").status_code == 404
    assert inspector.get("/console/inspect/orders?order_id=not-a-uuid").status_code == 422


def start_full_verification(inspector) -> str:  # type: ignore[no-untyped-def]
    html = inspector.get("/console/audit/verification").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    started = inspector.post("/console/audit/verifications", data={"csrf_token": token},
                             headers={"HX-Request": "true"})
    assert started.status_code == 202
    return started.get_data(as_text=True).split("/console/audit/verifications/")[1].split('"')[0]


def test_a_full_verification_job_is_polled_until_it_names_the_first_altered_event(console_as, world, web):
    from tests.projections.audit.tamper import RawStore
    world.order_in("completed")  # nothing has read the views yet: the page catches the audit table up first
    inspector = console_as("inspector")  # signed in after the clock moved
    job_id = start_full_verification(inspector)
    assert web.extensions["civicflow.background"].join(timeout=60)
    passed = inspector.get(f"/console/audit/verifications/{job_id}").get_data(as_text=True)
    assert 'data-state="passed"' in passed and "verdict-ok" in passed and "hx-trigger" not in passed
    raw = RawStore(world.app)
    position = raw.positions()[-1]  # the order's completion
    raw.flip_byte(position)
    raw.close()
    job_id = start_full_verification(inspector)
    assert web.extensions["civicflow.background"].join(timeout=60)
    failed = inspector.get(f"/console/audit/verifications/{job_id}").get_data(as_text=True)
    assert 'data-state="failed"' in failed and f'id="verify-job-outcome-first-bad">{position}<' in failed
    assert inspector.get("/console/audit/verifications/nope").status_code == 404
    assert console_as("dispatcher").post("/console/audit/verifications").status_code in (400, 404)
