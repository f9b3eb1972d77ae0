"""Online verification of a service-record certificate (DESIGN §17): its signature under the published audit key,
that this very document was issued here (the `Certificate.Issued` event holds it whole), that every event it counts
is in the event store as stated and in the audit chain (verified incrementally), and whether a later confirmation
or correction of a counted service revoked it. Reasons are in Chinese: the public page shows them as they are."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from domain.certificate import Certificate
from domain.privacy import mask_name
from projections.audit.chain import canonical_json
from projections.audit.log import notification_content
from projections.audit.signing import signature_is_valid
from projections.reads.service_records import SERVICE_EVENTS

VALID, INVALID, REVOKED = "valid", "invalid", "revoked"


def check_certificate(trail: Any, presented: Mapping[str, Any], recorded: Certificate | None) -> dict[str, Any]:
    """The report on a certificate as presented ({certificate, signature}) against the one recorded (or None)."""
    document, signature = presented.get("certificate"), presented.get("signature")
    if not (isinstance(signature, str) and _well_formed(document)):
        return {"status": INVALID, "reasons": ["不是格式正确的证明文件"], "revoked": None, "chain": None, "events": 0,
                "summary": None}
    reasons = [*_signature_reasons(trail, document, signature, recorded), *_event_reasons(trail, document)]
    chain = trail.verify_recent().as_dict()
    if not chain["ok"]:
        reasons.append(f"审计链验证未通过（位置 {chain['first_bad_position']}）")
    revoked = _revocation(trail, recorded) if recorded is not None and not reasons else None
    status = INVALID if reasons else REVOKED if revoked else VALID
    return {"status": status, "reasons": reasons, "revoked": revoked, "chain": chain,
            "events": len(document.get("services", [])), "summary": public_summary(document)}


def _well_formed(document: Any) -> bool:
    """The shape the checks below read (anything may be posted to POST /verify)."""
    if not isinstance(document, dict):
        return False
    parts = {name: document.get(name) for name in ("volunteer", "issuer", "period", "totals")}
    services = document.get("services")
    return all(isinstance(part, dict) for part in parts.values()) and isinstance(services, list) \
        and all(isinstance(service, dict) for service in services) \
        and isinstance(parts["volunteer"].get("name"), str)


def public_summary(document: Mapping[str, Any]) -> dict[str, Any]:
    """What anyone may read of a certificate: no personal data beyond the holder's masked name."""
    volunteer = document.get("volunteer") or {}
    return {"serial": document.get("serial"), "holder": mask_name(volunteer.get("name")),
            "issuer": (document.get("issuer") or {}).get("name"), "period": document.get("period"),
            "totals": document.get("totals"), "issued_at": document.get("issued_at")}


def _signature_reasons(trail: Any, document: dict[str, Any], signature: str, recorded: Certificate | None
                       ) -> list[str]:
    reasons = []
    if not signature_is_valid(trail.marks.signer.public_key, document, signature):
        reasons.append("签名与本平台公布的审计公钥不符：内容被改动或并非本平台签发")
    if recorded is None:
        reasons.append("本平台没有签发过这个编号的证明")
    elif canonical_json(recorded.document) != canonical_json(document) or recorded.signature != signature:
        reasons.append("与本平台签发时记录的证明内容不一致")
    return reasons


def _event_reasons(trail: Any, document: dict[str, Any]) -> list[str]:
    volunteer_id = str((document.get("volunteer") or {}).get("id"))
    reasons = []
    for service in document.get("services", []):
        problem = _event_problem(trail, volunteer_id, service)
        if problem is not None:
            reasons.append(f"位置 {service.get('position')} 的服务记录{problem}")
    return reasons


def _event_problem(trail: Any, volunteer_id: str, service: Mapping[str, Any]) -> str | None:
    position = service.get("position")
    if type(position) is not int or position < 1:
        return "位置无效"
    found = trail.recorder.select_notifications(start=position, limit=1)
    if not found or found[0].id != position:
        return "不在事件存储中"
    content = notification_content(found[0], trail.mapper.to_domain_event(found[0]), trail.sealer)
    data = content["data"]
    if (content["aggregate_id"], content["aggregate_type"]) != (volunteer_id, "Volunteer") \
            or content["type"] not in SERVICE_EVENTS or str(data.get("order_id")) != service.get("order_id") \
            or data.get("minutes") != service.get("minutes"):
        return "与事件存储中的事件不符"
    if content["content_sha256"] != service.get("content_sha256") or not _audited(trail, position, content):
        return "不在已验证的审计链中"
    return None


def _audited(trail: Any, position: int, content: Mapping[str, Any]) -> bool:
    t = trail.tables.audit_log
    with trail.engine.connect() as conn:
        row = conn.execute(select(t.c.content_sha256, t.c.state_sha256).where(t.c.position == position)).first()
    return row is not None and (row.content_sha256, row.state_sha256) == (content["content_sha256"],
                                                                          content["state_sha256"])


def _revocation(trail: Any, recorded: Certificate) -> dict[str, Any] | None:
    """The first confirmation or correction of a counted service recorded after the certificate was issued."""
    issued_at = _issued_position(trail, recorded)
    changes = trail.service_records.changes_after(recorded.volunteer_id, recorded.counted_orders, issued_at)
    if not changes:
        return None
    first = changes[0]
    return {"at": first["at"], "position": first["position"], "type": first["type"],
            "reason": "签发后，证明所计的服务时长被更正或确认（志愿者时长已更改）"}


def _issued_position(trail: Any, recorded: Certificate) -> int:
    t = trail.tables.audit_log
    query = select(t.c.position).where(t.c.aggregate_id == str(recorded.id), t.c.version == 1)
    with trail.engine.connect() as conn:
        return conn.execute(query).scalar() or 0
