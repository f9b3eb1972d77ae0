"""In Chromium: an inspector reads an order's timeline with the phone masked, scrubs "as of" by keyboard,
downloads an export, verifies it in the page against the published key, then sees a tampered copy fail at the
record civicflow-verify names; the dashboard. Screenshots of each; axe finds no serious or critical violation."""

from __future__ import annotations

import json
from pathlib import Path

from civicflow_verify import verify_lines
from tests.interfaces.web.console.conftest import axe, browser_sign_in
from tests.interfaces.web.world import RESIDENT

TAMPERED_LINE = 10


def verify_in_page(page, path: Path, public_key: str) -> dict:
    page.goto("/console/audit/verify-file")
    page.set_input_files("#export-file", str(path))
    page.fill("#public-key", public_key)
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("#verify-verdict")
    return json.loads(page.text_content("#verify-report"))


def test_an_inspector_reads_scrubs_exports_and_verifies(page, world, person, web, shot, tmp_path):
    order = world.order_in("reviewed")
    browser_sign_in(page, person("inspector"))
    page.goto(f"/console/inspect/orders/{order['id']}")
    body = page.text_content("main")
    assert "139****2222" in body and RESIDENT["phone"] not in body
    assert axe(page) == []
    shot(page, "timeline")

    page.focus("#version")
    page.keyboard.press("Home")  # the scrubber by keyboard: to version 1, swapped in by htmx
    page.wait_for_selector('#as-of-state[data-version="1"]')
    assert "139****2222" in page.text_content("#as-of")

    page.goto("/console/audit/")
    assert axe(page) == []
    shot(page, "audit-trail")
    with page.expect_download() as download:
        page.click("#export-jsonl")
    good = tmp_path / "export.jsonl"
    download.value.save_as(good)

    page.goto("/console/audit/verification")
    page.click("#verify-now")  # incremental verification, swapped in by htmx
    page.wait_for_selector("#verify-outcome .verdict-ok")
    public_key = page.text_content("#public-key").strip()
    assert public_key == web.extensions["civicflow.read_model"].checkpoints()[0]
    assert axe(page) == []
    shot(page, "verification")

    report = verify_in_page(page, good, public_key)
    assert report["ok"] and report["key_source"] == "given" and "verdict-ok" in page.get_attribute("#verify-verdict", "class")
    assert axe(page) == []
    shot(page, "verify-good")

    lines = good.read_text(encoding="utf-8").splitlines(keepends=True)
    record = json.loads(lines[TAMPERED_LINE - 1])
    assert record["record"] == "event"
    lines[TAMPERED_LINE - 1] = json.dumps({**record, "actor": "admin:someone-else"}, ensure_ascii=False) + "\n"
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(lines), encoding="utf-8")
    report = verify_in_page(page, tampered, public_key)
    expected = verify_lines(tampered.open(encoding="utf-8", newline=""), public_key)
    assert (report["ok"], report["line"], report["position"]) == (False, TAMPERED_LINE, record["position"])
    assert (report["line"], report["reason"]) == (expected["line"], expected["reason"])
    assert "verdict-bad" in page.get_attribute("#verify-verdict", "class")
    shot(page, "verify-tampered")


def test_the_dashboard_in_the_browser(page, world, person, shot):
    world.order_in("reviewed")
    world.order_in("placed")
    browser_sign_in(page, person("dispatcher"))
    page.goto("/console/dashboard")
    assert page.locator("svg.chart").count() == 2
    assert axe(page) == []
    shot(page, "dashboard")
