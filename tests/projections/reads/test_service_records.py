"""The ServiceRecords adapter over the audit trail (projections/reads/service_records.py): event types are read by
name, so the door codes' `basis` on ServiceCredited and their `ServiceConfirmed` (not on this branch) are counted
as soon as they appear, and later changes of a counted service are found (what revokes a certificate)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import uuid4

from sqlalchemy import insert

from projections.reads.service_records import AuditServiceRecords

DAY = datetime(2026, 11, 2, 8, tzinfo=timezone.utc)
FAR = 1_000_000  # positions beyond the store's own events


def audit(read_model: Any, volunteer: str, *events: tuple[str, dict[str, Any], datetime]) -> None:
    rows = [{"position": FAR + n, "seq": FAR + n, "aggregate_id": volunteer, "aggregate_type": "Volunteer",
             "version": n + 2, "type": kind, "topic": f"domain.volunteer:Volunteer.{kind}", "timestamp": at,
             "actor": "test", "data": data, "state_sha256": f"{n:064x}", "content_sha256": f"{n + 100:064x}",
             "hash": "0" * 64, "prev_hash": "0" * 64} for n, (kind, data, at) in enumerate(events)]
    with read_model.engine.begin() as conn:
        conn.execute(insert(read_model.tables.audit_log), rows)


def test_basis_and_confirmations_are_read_by_name_and_changes_after_a_position_found(read_model: Any) -> None:
    volunteer, declared, confirmed, outside = str(uuid4()), str(uuid4()), str(uuid4()), str(uuid4())
    audit(read_model, volunteer,
          ("ServiceCredited", {"order_id": declared, "minutes": 30}, DAY),  # before door codes: no basis
          ("ServiceCredited", {"order_id": confirmed, "minutes": 40, "basis": "confirmed"}, DAY),
          ("ServiceCredited", {"order_id": outside, "minutes": 50, "basis": "declared"}, DAY + timedelta(days=40)),
          ("Rated", {"order_id": declared, "rating": 5}, DAY),
          ("ServiceConfirmed", {"order_id": declared, "minutes": 35, "reason": "居民补确认"}, DAY + timedelta(days=1)))
    records = AuditServiceRecords(read_model.engine, read_model.tables, lambda: None)
    services = records.services_of(volunteer, DAY - timedelta(days=1), DAY + timedelta(days=30))
    assert [(s["order_id"], s["minutes"], s["basis"], s["position"]) for s in services] == \
        [(declared, 35, "confirmed", FAR + 4), (confirmed, 40, "confirmed", FAR + 1)]
    changes = records.changes_after(volunteer, {declared, confirmed}, FAR + 2)
    assert [(c["type"], c["order_id"], c["position"]) for c in changes] == [("ServiceConfirmed", declared, FAR + 4)]
    assert records.changes_after(volunteer, {confirmed}, FAR + 2) == []
