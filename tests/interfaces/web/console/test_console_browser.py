"""The console in a real browser (Playwright driving Debian's chromium): the dispatcher's main flow, jurisdiction,
CSRF and the session timeout, with screenshots (zh-CN) and axe-core on each main page."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.interfaces.web.console.conftest import axe, browser_sign_in
from tests.interfaces.web.world import OTHER_STATION, STATION


def test_a_dispatcher_auto_dispatches_the_overdue_urgent_order_first(page, world, person, clock, shot):
    world.place()
    clock.advance(timedelta(minutes=5))
    urgent = world.place(priority="urgent", description="行动不便，需上门测血压")
    clock.advance(timedelta(minutes=40))  # the urgent order's 30 minutes to dispatch are over
    dispatcher = person("dispatcher", site=STATION, name="张调度")
    page.goto("/console/queue")
    assert "/console/sign-in" in page.url
    shot(page, "sign-in")
    assert axe(page) == []
    browser_sign_in(page, dispatcher, path=page.url)
    first = page.locator("table.queue tbody tr").first
    assert first.get_attribute("data-order-id") == urgent["id"]
    assert "超时" in first.inner_text() and "加急" in first.inner_text()
    shot(page, "queue")
    assert axe(page) == []
    first.locator("a").click()
    page.wait_for_url(re.compile(f"/console/orders/{urgent['id']}"))
    assert page.locator("#order-status").inner_text() == "已下单"
    assert axe(page) == []
    page.click("#dispatch-button")  # auto is the default
    page.locator("#order-status", has_text="已派单").wait_for()
    assert page.locator("#dispatch-explanation").is_visible()
    shot(page, "order")
    assert world.ok("dispatcher", "GET", f"/api/v1/orders/{urgent['id']}")["status"] == "dispatched"
    page.goto("/console/roster")
    assert page.locator("table.roster").is_visible()
    shot(page, "roster")
    assert axe(page) == []


def test_another_station_gets_the_404_page_and_a_form_without_csrf_changes_nothing(page, world, person):
    order = world.place()
    browser_sign_in(page, person("dispatcher", site=OTHER_STATION))
    response = page.goto(f"/console/orders/{order['id']}")
    assert response.status == 404 and page.locator("h1").inner_text() == "未找到"
    page.context.clear_cookies()
    browser_sign_in(page, person("dispatcher", site=STATION))
    page.goto(f"/console/orders/{order['id']}")
    page.evaluate("""() => {
        document.body.removeAttribute('hx-headers');
        document.querySelectorAll('input[name=csrf_token]').forEach(input => input.remove());
        document.querySelectorAll('form[hx-post]').forEach(form => form.removeAttribute('hx-post'));
    }""")  # the forms now post plainly, as another site's page would
    with page.expect_response(lambda r: "/dispatch" in r.url) as posted:
        page.click("#dispatch-button")
    assert posted.value.status == 400
    assert world.ok("dispatcher", "GET", f"/api/v1/orders/{order['id']}")["status"] == "placed"


def test_a_session_past_its_idle_timeout_is_sent_to_sign_in(page, world, person, clock):
    browser_sign_in(page, person("dispatcher", site=STATION))
    assert page.url.endswith("/console/queue")
    clock.advance(timedelta(minutes=31))
    page.goto("/console/roster")
    assert "/console/sign-in?next=/console/roster" in page.url
