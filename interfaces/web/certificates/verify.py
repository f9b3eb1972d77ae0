"""The public verification of certificates (DESIGN §17), no account needed: GET /verify/{serial} (a page in
Chinese), GET /verify/{serial}.json (its report), and POST /verify (a certificate file checked online).

Nothing here shows personal data beyond the holder's masked name (projections/audit/certificates.public_summary)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, render_template, request

from domain.certificate import LOCAL_TIME, Certificate, certificate_id
from interfaces.web.context import civicflow, read_model
from interfaces.web.json_body import parse_json_body
from interfaces.web.order_reads import jsonable
from projections.audit.certificates import check_certificate

blp = Blueprint("verify", __name__, url_prefix="/verify", template_folder="templates")
SERIAL = re.compile(r"^CF-\d{4}-[A-Z2-7]{8}$")
STATUS_ZH = {"valid": "有效", "invalid": "无效", "revoked": "已撤销"}


def beijing(value: datetime | str) -> str:
    """An instant as people there read it: 2026-11-02 17:20（北京时间）."""
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{at.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M}（北京时间）"


def recorded(serial: str) -> Certificate | None:
    serial = serial.strip().upper()
    return civicflow().find(Certificate, certificate_id(serial)) if SERIAL.match(serial) else None


def report_on(serial: str) -> dict[str, Any]:
    certificate = recorded(serial)
    if certificate is None:
        abort(404, description=f"没有编号为 {serial} 的证明")
    presented = {"certificate": certificate.document, "signature": certificate.signature}
    return {"serial": certificate.serial, **check_certificate(read_model(), presented, certificate)}


@blp.get("/<serial>.json")
def report_json(serial: str) -> Any:
    return jsonable(report_on(serial)), 200, {"Cache-Control": "no-store"}


@blp.get("/<serial>")
def page(serial: str) -> Any:
    """The page a QR code opens: a person reads it, so an unknown serial is a page too (404)."""
    headers = {"Cache-Control": "no-store", "Content-Language": "zh-CN"}
    if recorded(serial) is None:
        return render_template("certificates/unknown.html", serial=serial), 404, headers
    report = report_on(serial)
    html = render_template("certificates/verify.html", report=report, status_zh=STATUS_ZH[report["status"]],
                           beijing=beijing)
    return html, 200, headers


@blp.post("")
def presented_file() -> Any:
    """A certificate file (the JSON the API hands out) checked against this installation: the status and why."""
    body = parse_json_body(request.get_data(cache=True))
    if not isinstance(body, dict):
        abort(422, description="the body must be a certificate file: {certificate, signature, ...}")
    document = body.get("certificate")
    serial = document.get("serial") if isinstance(document, dict) else None
    certificate = recorded(serial) if isinstance(serial, str) else None
    return jsonable({"serial": serial, **check_certificate(read_model(), body, certificate)}), 200
