"""Service-record certificates over HTTP (DESIGN §17): who may have one, JSON and PDF, bad periods, and the public
verification — good, tampered (online and offline with civicflow-verify), revoked after a correction — showing no
personal data beyond the holder's masked name."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import civicflow_verify
from tests.interfaces.web.world import World

REPO = Path(__file__).resolve().parents[3]
PERIOD = "from=2026-11-01&to=2026-11-30"
SERIAL = re.compile(r"^CF-2026-[A-Z2-7]{8}$")


def cert_path(world: World, volunteer_id: str | None = None, query: str = PERIOD) -> str:
    return f"/api/v1/volunteers/{volunteer_id or world.volunteer_id}/certificate?{query}"


def served(world: World, n: int = 2) -> list[dict[str, Any]]:
    return [world.order_in("completed") for _ in range(n)]


def issued(world: World, who: str = "volunteer") -> dict[str, Any]:
    return world.ok(who, "GET", cert_path(world))


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        reason = f"{name} is not installed (apt-get install poppler-utils)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PDF tests must run under CI: {reason}")
        pytest.skip(reason)
    return found


@pytest.fixture
def output(request: pytest.FixtureRequest) -> Path:
    """test-results/<test name>/, as the console tests write their screenshots."""
    folder = REPO / "test-results" / re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- who may have one ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["volunteer", "dispatcher", "admin"])
def test_the_volunteer_their_dispatcher_and_admins_get_the_certificate(world: World, who: str) -> None:
    served(world, 1)
    signed = issued(world, who)
    assert SERIAL.match(signed["certificate"]["serial"])
    assert signed["certificate"]["volunteer"]["id"] == world.volunteer_id


@pytest.mark.parametrize("who", ["other-volunteer", "other-dispatcher"])
def test_anyone_else_is_told_the_volunteer_does_not_exist(world: World, who: str) -> None:
    served(world, 1)
    response = world.call(who, "GET", cert_path(world))
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_channels_and_inspectors_may_not_ask_and_no_token_is_unauthorised(world: World) -> None:
    assert world.call("channel", "GET", cert_path(world)).status_code == 403
    assert world.call("inspector", "GET", cert_path(world)).status_code == 403
    assert world.call(None, "GET", cert_path(world)).status_code == 401


@pytest.mark.parametrize("query", ["from=2026-13-01&to=2026-11-30", "from=yesterday&to=2026-11-30",
                                   "from=2026-11-30&to=2026-11-01", "to=2026-11-30", "from=1999-12-31&to=2026-11-30",
                                   f"{PERIOD}&format=docx", f"{PERIOD}&colour=red"])
def test_a_bad_period_is_a_problem_and_issues_nothing(world: World, query: str) -> None:
    response = world.call("volunteer", "GET", cert_path(world, query=query))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    events = world.ok("admin", "GET", "/api/v1/audit/events?type=Issued&limit=1000")["items"]
    assert [e for e in events if e["aggregate_type"] == "Certificate"] == []


# --- what it says -------------------------------------------------------------------------------------------

def test_the_json_certificate_lists_each_service_with_its_audit_position_and_the_totals(world: World) -> None:
    orders = served(world, 2)
    signed = issued(world)
    document = signed["certificate"]
    assert document["volunteer"] == {"id": world.volunteer_id, "name": "Li Lei", "masked_id": "138****0001"}
    assert document["issuer"]["id"] == "post-babaoshan-01" and document["period"] == {"from": "2026-11-01",
                                                                                      "to": "2026-11-30"}
    assert [s["order_id"] for s in document["services"]] == [o["id"] for o in orders]
    assert {(s["category"], s["site_id"], s["minutes"], s["basis"], s["date"]) for s in document["services"]} == \
        {("health", "post-babaoshan-01", 30, "declared", "2026-11-02")}
    assert document["totals"] == {"services": 2, "confirmed_minutes": 0, "declared_minutes": 60, "all_minutes": 60}
    audit = world.ok("admin", "GET", f"/api/v1/audit/events?aggregate_id={world.volunteer_id}&type=ServiceCredited")
    assert [s["position"] for s in document["services"]] == [e["position"] for e in audit["items"]]
    assert document["verify_url"] == f"http://localhost/verify/{document['serial']}"
    assert signed["public_key"] == world.ok("admin", "GET", "/api/v1/audit/checkpoints")["public_key"]


def test_asking_again_for_the_same_services_returns_the_same_certificate(world: World) -> None:
    served(world, 1)
    first = issued(world)
    assert issued(world, "dispatcher") == first
    world.order_in("completed")
    again = issued(world)
    assert again["certificate"]["serial"] != first["certificate"]["serial"]
    assert again["certificate"]["totals"]["services"] == 2


def test_services_outside_the_period_are_not_counted(world: World) -> None:
    served(world, 1)
    document = world.ok("volunteer", "GET", cert_path(world, query="from=2026-10-01&to=2026-10-31"))["certificate"]
    assert document["services"] == [] and document["totals"]["all_minutes"] == 0


def test_the_pdf_renders_in_chinese_with_the_serial_and_the_totals(world: World, output: Path) -> None:
    pdftoppm, pdftotext = tool("pdftoppm"), tool("pdftotext")
    served(world, 2)
    serial = issued(world)["certificate"]["serial"]
    response = world.call("volunteer", "GET", cert_path(world, query=f"{PERIOD}&format=pdf"))
    assert response.status_code == 200 and response.content_type == "application/pdf"
    assert world.call("volunteer", "GET", cert_path(world), Accept="application/pdf").data == response.data
    pdf = output / "certificate.pdf"
    pdf.write_bytes(response.data)
    subprocess.run([pdftoppm, "-png", "-r", "80", "-singlefile", str(pdf), str(output / "certificate")], check=True)
    assert (output / "certificate.png").stat().st_size > 10_000, "no text drawn: poppler-data (CJK font map) missing?"
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert serial in text
    assert "志愿服务记录证明" in text and "共 2 项服务，60 分钟（1.0 小时）" in text
    assert "本人申报 60 分钟" in text and "138****0001" in text


# --- verification -------------------------------------------------------------------------------------------

def test_the_public_page_says_valid_and_shows_only_the_masked_name(world: World) -> None:
    served(world, 2)
    serial = issued(world)["certificate"]["serial"]
    page = world.client.get(f"/verify/{serial}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-status="valid"' in html and "有效" in html
    assert "L*****" in html and "所计 2 条服务记录均在已验证的审计链中" in html and "60 分钟" in html
    for personal in ("Li Lei", "13800000001", "138****0001", world.volunteer_id, "王秀英", "13911112222"):
        assert personal not in html
    report = world.client.get(f"/verify/{serial}.json").get_json()
    assert report["status"] == "valid" and report["summary"]["holder"] == "L*****"
    assert "Li Lei" not in json.dumps(report, ensure_ascii=False) and world.volunteer_id not in json.dumps(report)


def test_an_unknown_serial_is_not_found(world: World) -> None:
    page = world.client.get("/verify/CF-2026-AAAAAAAA")
    assert page.status_code == 404 and "未找到编号为" in page.get_data(as_text=True)
    assert world.client.get("/verify/<script>").status_code == 404
    assert "<script>" not in world.client.get("/verify/<script>").get_data(as_text=True)
    report = world.client.get("/verify/CF-2026-AAAAAAAA.json")
    assert report.status_code == 404 and report.content_type == "application/problem+json"


def test_a_tampered_certificate_fails_online_and_offline(world: World, tmp_path: Path) -> None:
    served(world, 2)
    signed = issued(world)
    public_key = signed["public_key"]
    assert world.client.post("/verify", json=signed).get_json()["status"] == "valid"
    assert civicflow_verify.verify_certificate(signed, public_key)["ok"]
    tampered = json.loads(json.dumps(signed))
    tampered["certificate"]["services"][0]["minutes"] = 300
    tampered["certificate"]["totals"].update(declared_minutes=330, all_minutes=330)
    online = world.client.post("/verify", json=tampered).get_json()
    assert online["status"] == "invalid"
    assert any("签名" in reason for reason in online["reasons"])
    offline = civicflow_verify.verify_certificate(tampered, public_key)
    assert not offline["ok"] and "signature" in offline["reason"]
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")
    assert civicflow_verify.main(["--certificate", str(path), "--public-key", public_key]) == 1
    path.write_text(json.dumps(signed, ensure_ascii=False), encoding="utf-8")
    assert civicflow_verify.main(["--certificate", str(path), "--public-key", public_key]) == 0


@pytest.mark.parametrize("body", [{}, [], {"certificate": "x", "signature": "y"},
                                  {"certificate": {"services": "abc", "volunteer": 1}, "signature": "zz"},
                                  {"certificate": {"services": [1], "volunteer": {"name": 2}}, "signature": "zz"}])
def test_whatever_is_posted_for_verification_is_answered_invalid(world: World, body: Any) -> None:
    response = world.client.post("/verify", json=body)
    assert response.status_code in (200, 422)
    assert response.status_code == 422 or response.get_json()["status"] == "invalid"


def test_a_correction_of_a_counted_service_revokes_the_certificate(world: World) -> None:
    orders = served(world, 2)
    serial = issued(world)["certificate"]["serial"]
    correction = {"order_id": orders[0]["id"], "minutes": 45, "reason": "实际服务 45 分钟"}
    path = f"/api/v1/volunteers/{world.volunteer_id}/service-corrections"
    assert world.call("dispatcher", "POST", path, correction).status_code == 403
    assert world.ok("admin", "POST", path, correction)["service_minutes"] == 75
    report = world.client.get(f"/verify/{serial}.json").get_json()
    assert report["status"] == "revoked" and report["revoked"]["type"] == "ServiceCorrected"
    html = world.client.get(f"/verify/{serial}").get_data(as_text=True)
    assert 'data-status="revoked"' in html and "已撤销" in html and "撤销原因" in html
    assert "2026-11-02 17:20（北京时间），审计位置" in html  # the clock stood at 09:20 UTC when corrected
    renewed = issued(world)["certificate"]
    assert renewed["serial"] != serial and renewed["totals"]["all_minutes"] == 75


def test_a_correction_of_an_order_never_credited_is_a_problem(world: World) -> None:
    order = world.order_in("accepted")
    path = f"/api/v1/volunteers/{world.volunteer_id}/service-corrections"
    response = world.call("admin", "POST", path, {"order_id": order["id"], "minutes": 10, "reason": "x"})
    assert 400 <= response.status_code < 500 and response.content_type == "application/problem+json"
    bad = world.call("admin", "POST", path, {"order_id": order["id"], "minutes": -1, "reason": "x"})
    assert bad.status_code == 422


# --- with the door codes (DESIGN §17): how each hour was known -------------------------------------------------

def served_with_codes(world: World) -> dict[str, Any]:
    """An order served with the resident's start and completion codes, read from the placing channel."""
    order = world.order_in("accepted")
    orders = f"/api/v1/orders/{order['id']}"
    codes = world.ok("channel", "GET", orders)["door_codes"]
    world.ok("volunteer", "POST", f"{orders}/start", {"door_code": codes["start"]["code"]})
    world.clock.advance(timedelta(minutes=45))
    world.ok("volunteer", "POST", f"{orders}/complete", {"service_minutes": 40,
                                                         "door_code": codes["complete"]["code"]})
    return order


def test_confirmed_and_declared_services_are_listed_and_totalled_apart(world: World) -> None:
    confirmed, declared = served_with_codes(world), served(world, 1)[0]
    document = issued(world)["certificate"]
    bases = {s["order_id"]: (s["basis"], s["minutes"]) for s in document["services"]}
    assert bases == {confirmed["id"]: ("confirmed", 40), declared["id"]: ("declared", 30)}
    assert document["totals"] == {"services": 2, "confirmed_minutes": 40, "declared_minutes": 30, "all_minutes": 70}


def test_a_dispatchers_confirmation_after_issue_revokes_the_certificate(world: World) -> None:
    order = served(world, 1)[0]
    serial = issued(world)["certificate"]["serial"]
    assert world.client.get(f"/verify/{serial}.json").get_json()["status"] == "valid"
    world.ok("dispatcher", "POST", f"/api/v1/orders/{order['id']}/confirm-service", {"reason": "居民电话确认"})
    report = world.client.get(f"/verify/{serial}.json").get_json()
    assert report["status"] == "revoked" and report["revoked"]["type"] == "ServiceConfirmed"
    renewed = issued(world)["certificate"]
    assert renewed["serial"] != serial
    assert renewed["totals"] == {"services": 1, "confirmed_minutes": 30, "declared_minutes": 0, "all_minutes": 30}
