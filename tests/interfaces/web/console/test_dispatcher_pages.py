"""The dispatcher's pages through the Flask test client: the queue's order and filters, the order page and its
commands (answered inline), jurisdiction (404), CSRF, and the policy's masking."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.interfaces.web.console.conftest import csrf_token
from tests.interfaces.web.world import OTHER_STATION, STATION

ORDER_ROW = re.compile(r'data-order-id="([0-9a-f-]{36})"')


@pytest.fixture
def dispatcher(console_as):
    return console_as("dispatcher", site=STATION)


def queue_ids(client, query=""):
    response = client.get(f"/console/queue{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return ORDER_ROW.findall(response.get_data(as_text=True))


def post(client, path, **form):
    token = csrf_token(client, "/console/queue")
    return client.post(path, data={"csrf_token": token, **form}, headers={"HX-Request": "true"})


def test_the_queue_puts_the_overdue_first_and_shows_the_countdown(world, console_as, clock):
    normal = world.place()
    clock.advance(timedelta(minutes=10))
    urgent = world.place(priority="urgent")  # dispatch within 30 min: due before the normal one's 2 h
    clock.advance(timedelta(minutes=45))
    dispatcher = console_as("dispatcher", site=STATION)  # signed in now: 45 minutes idle would end a session
    assert queue_ids(dispatcher) == [urgent["id"], normal["id"]]
    html = dispatcher.get("/console/queue").get_data(as_text=True)
    assert "超时 0 小时 15 分钟" in html and "剩余 1 小时 5 分钟" in html


def test_the_queue_filters_by_status_and_pages_by_keyset(world, dispatcher, clock, monkeypatch):
    monkeypatch.setattr("interfaces.web.console.queue.PAGE_SIZE", 2)
    orders = []
    for _ in range(3):
        orders.append(world.place()["id"])
        clock.advance(timedelta(minutes=1))
    world.ok("dispatcher", "POST", f"/api/v1/orders/{orders[0]}/dispatch", {"volunteer_id": world.volunteer_id})
    assert queue_ids(dispatcher, "?status=placed") == orders[1:]
    first = dispatcher.get("/console/queue").get_data(as_text=True)
    cursor = re.search(r'cursor=([^"&]+)', first).group(1)
    assert len(ORDER_ROW.findall(first)) == 2
    assert len(queue_ids(dispatcher, f"?cursor={cursor}")) == 1


def test_a_filtered_queue_redrawn_by_htmx_keeps_refreshing_with_its_filters(world, dispatcher):
    world.place()
    fragment = dispatcher.get("/console/queue?status=placed&category=health", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and 'hx-trigger="every 30s"' in html
    assert 'hx-get="/console/queue?status=placed&amp;category=health"' in html


def test_a_bad_filter_is_a_422_on_the_page(dispatcher):
    response = dispatcher.get("/console/queue?placed_after=yesterday")
    assert response.status_code == 422 and "placed_after must be a date" in response.get_data(as_text=True)
    assert dispatcher.get(f"/console/queue?site={OTHER_STATION}").status_code == 422
    assert dispatcher.get("/console/queue?cursor=not-a-cursor").status_code in (400, 422)
    assert dispatcher.get("/console/roster?cursor=not-a-cursor").status_code in (400, 422)


def test_another_stations_dispatcher_never_sees_the_order(world, console_as):
    order = world.place()
    other = console_as("dispatcher", site=OTHER_STATION)
    assert queue_ids(other) == []
    response = other.get(f"/console/orders/{order['id']}")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert post(other, f"/console/orders/{order['id']}/cancel", reason="x").status_code == 404
    assert world.ok("channel", "GET", f"/api/v1/orders/{order['id']}")["status"] == "placed"


def test_auto_dispatch_from_the_order_page_explains_the_choice(world, dispatcher, accounts):
    order = world.place()
    response = post(dispatcher, f"/console/orders/{order['id']}/dispatch", mode="auto", version=str(order["version"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已派单" in html and 'id="dispatch-explanation"' in html
    history = world.ok("inspector", "GET", f"/api/v1/orders/{order['id']}/history")["items"]
    assert history[-1]["type"].endswith("Dispatched") and "#user:dispatcher-1:" in history[-1]["actor"]


def test_an_illegal_command_shows_the_api_error_inline_and_changes_nothing(world, dispatcher):
    order = world.place()
    response = post(dispatcher, f"/console/orders/{order['id']}/recall", reason="wrong volunteer")
    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == "#console-problem"
    assert "cannot" in response.get_data(as_text=True)
    assert world.ok("dispatcher", "GET", f"/api/v1/orders/{order['id']}")["version"] == order["version"]


def test_a_stale_version_is_refused(world, dispatcher):
    order = world.place()
    response = post(dispatcher, f"/console/orders/{order['id']}/cancel", reason="duplicate", version="99")
    assert response.status_code == 412


def test_dispatch_to_a_named_volunteer_and_cancel(world, dispatcher):
    order = world.place()
    response = post(dispatcher, f"/console/orders/{order['id']}/dispatch", mode="volunteer",
                    volunteer_id=world.volunteer_id)
    assert response.status_code == 200 and '<span id="assignee-name">Li Lei</span>' in response.get_data(as_text=True)
    assert post(dispatcher, f"/console/orders/{order['id']}/cancel", reason="resident moved").status_code == 200
    assert world.ok("dispatcher", "GET", f"/api/v1/orders/{order['id']}")["status"] == "cancelled"


def test_dispatch_to_a_team_names_the_team(world, dispatcher):
    order = world.place()
    page = dispatcher.get(f"/console/orders/{order['id']}").get_data(as_text=True)
    assert f'<option value="{world.team_id}">Babaoshan health team</option>' in page
    response = post(dispatcher, f"/console/orders/{order['id']}/dispatch", mode="team", team_id=world.team_id)
    assert response.status_code == 200
    assert '<span id="assignee-name">Babaoshan health team</span>' in response.get_data(as_text=True)
    assert world.ok("dispatcher", "GET", f"/api/v1/orders/{order['id']}")["assignee"]["team_id"] == world.team_id


def test_a_team_that_is_not_an_id_is_a_422_shown_inline(world, dispatcher):
    order = world.place()
    response = post(dispatcher, f"/console/orders/{order['id']}/dispatch", mode="team", team_id="babaoshan")
    assert response.status_code == 422 and response.headers["HX-Retarget"] == "#console-problem"
    assert world.ok("dispatcher", "GET", f"/api/v1/orders/{order['id']}")["status"] == "placed"


def test_a_plain_form_post_redirects_back_to_the_order(world, dispatcher):
    order = world.place()
    token = csrf_token(dispatcher, "/console/queue")
    response = dispatcher.post(f"/console/orders/{order['id']}/dispatch", data={"csrf_token": token, "mode": "auto"})
    assert response.status_code == 302 and response.headers["Location"] == f"/console/orders/{order['id']}"


def test_a_form_without_its_csrf_token_changes_nothing(world, dispatcher):
    order = world.place()
    response = dispatcher.post(f"/console/orders/{order['id']}/dispatch", data={"mode": "auto"})
    assert response.status_code == 400
    assert world.ok("dispatcher", "GET", f"/api/v1/orders/{order['id']}")["status"] == "placed"


def test_the_dispatcher_reads_the_resident_and_the_inspector_sees_it_masked(world, dispatcher, console_as):
    order = world.place()
    assert "13911112222" in dispatcher.get(f"/console/orders/{order['id']}").get_data(as_text=True)
    html = console_as("inspector").get(f"/console/orders/{order['id']}").get_data(as_text=True)
    assert "13911112222" not in html and "139****2222" in html and "王*" in html
    assert 'action="/console/orders/' not in html  # no commands for an inspector


def test_the_inspector_may_not_dispatch(world, console_as):
    order = world.place()
    inspector = console_as("inspector")
    assert post(inspector, f"/console/orders/{order['id']}/dispatch", mode="auto").status_code == 404


def test_the_roster_searches_the_jurisdiction_by_name(world, dispatcher, console_as):
    html = dispatcher.get("/console/roster?q=Li").get_data(as_text=True)
    assert "Li Lei" in html and "Han Meimei" not in html
    assert "Li Lei" not in console_as("dispatcher", site=OTHER_STATION).get("/console/roster").get_data(as_text=True)
    assert dispatcher.get("/console/roster?q=%25").status_code == 200


def test_english_by_choice(world, dispatcher):
    token = csrf_token(dispatcher, "/console/queue")
    dispatcher.post("/console/language", data={"csrf_token": token, "locale": "en", "next": "/console/queue"})
    html = dispatcher.get("/console/queue").get_data(as_text=True)
    assert '<html lang="en">' in html and "Queue" in html and "派单队列" not in html


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_only_dispatchers_have_the_queue_and_roster(console_as, role):
    client = console_as(role)
    assert client.get("/console/queue").status_code == 404
    assert client.get("/console/roster").status_code == 404
    assert client.get("/console/").status_code == 200


def test_an_admin_sees_no_order(world, console_as):
    order = world.place()
    assert console_as("admin").get(f"/console/orders/{order['id']}").status_code == 404


def test_a_dispatcher_at_the_center_sees_every_stations_orders(world, console_as):
    order = world.place()
    center = world.app.sites.ancestors(STATION)[-1]
    assert order["id"] in queue_ids(console_as("dispatcher", site=center))


def test_the_order_page_shows_the_door_codes_state_and_how_the_hours_are_known_never_a_code(world, console_as):
    done, order = world.order_in("completed"), world.order_in("accepted")
    codes = world.ok("channel", "GET", f"/api/v1/orders/{order['id']}")["door_codes"]
    dispatcher = console_as("dispatcher", site=STATION)  # signed in after the clock moved on
    html = dispatcher.get(f"/console/orders/{order['id']}").get_data(as_text=True)
    assert "门码" in html and "开始码: 尚未使用" in html
    assert not any(re.search(rf"\b{codes[kind]['code']}\b", html) for kind in ("start", "complete"))
    assert "志愿者自报" in dispatcher.get(f"/console/orders/{done['id']}").get_data(as_text=True)
