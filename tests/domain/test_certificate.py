"""The Certificate aggregate and the correction of a credited service (domain/certificate.py, domain/volunteer.py)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from uuid import uuid4

import pytest

from domain.certificate import (Certificate, InvalidPeriod, certificate_document, certificate_id, serial_for,
                                totals)
from domain.volunteer import InvalidServiceMinutes, Volunteer, VolunteerError

AT = datetime(2026, 11, 2, 8, tzinfo=timezone.utc)


def test_a_serial_is_short_keyed_and_the_same_for_the_same_statement() -> None:
    serial = serial_for(b"key", 2026, "v|2026-11-01|2026-11-30|7|9")
    assert re.fullmatch(r"CF-2026-[A-Z2-7]{8}", serial)
    assert serial_for(b"key", 2026, "v|2026-11-01|2026-11-30|7|9") == serial
    assert serial_for(b"other key", 2026, "v|2026-11-01|2026-11-30|7|9") != serial
    assert serial_for(b"key", 2026, "v|2026-11-01|2026-11-30|7") != serial
    assert certificate_id(serial.lower()) == certificate_id(serial)


def test_totals_keep_confirmed_and_declared_minutes_apart() -> None:
    services = [{"minutes": 30, "basis": "confirmed"}, {"minutes": 45, "basis": "declared"}]
    assert totals(services) == {"services": 2, "confirmed_minutes": 30, "declared_minutes": 45, "all_minutes": 75}


def document(period: tuple[str, str] = ("2026-11-01", "2026-11-30")) -> dict:  # type: ignore[type-arg]
    return certificate_document(serial="CF-2026-AAAAAAAA", issued_at=AT, volunteer={"name": "Li Lei"},
                                issuer={"id": "post-1", "name": "站"}, period=period,
                                services=[{"order_id": "o1", "minutes": 30, "basis": "declared", "position": 7}],
                                verify_url="https://x/verify/CF-2026-AAAAAAAA")


def test_issuing_records_the_document_whole_under_the_serials_id() -> None:
    volunteer_id = uuid4()
    certificate = Certificate.issue(document(), volunteer_id, "ab" * 64, actor="admin:a", at=AT)
    assert certificate.id == certificate_id("CF-2026-AAAAAAAA") and certificate.volunteer_id == volunteer_id
    assert certificate.counted_positions == [7] and certificate.counted_orders == {"o1"}
    assert certificate.document["issued_at"] == AT.isoformat()
    with pytest.raises(InvalidPeriod):
        Certificate.issue(document(("2026-11-30", "2026-11-01")), volunteer_id, "ab" * 64, actor="admin:a", at=AT)


def test_a_correction_changes_the_credited_minutes_of_a_credited_order_only() -> None:
    volunteer = Volunteer.register("Li Lei", "13800000001", "post-1", ["health"], actor="d", at=AT)
    order_id = uuid4()
    volunteer.take_order(order_id, "health", actor="d", at=AT)
    volunteer.credit_service(order_id, 30, actor="v", at=AT)
    volunteer.correct_service(order_id, 45, "实际 45 分钟", actor="admin:a", at=AT)
    assert volunteer.service_minutes == 45 and volunteer.credited[order_id] == 45
    event = volunteer.collect_events()[-1]
    assert (event.minutes, event.previous_minutes) == (45, 30)
    with pytest.raises(VolunteerError):
        volunteer.correct_service(uuid4(), 10, "x", actor="admin:a", at=AT)
    with pytest.raises(InvalidServiceMinutes):
        volunteer.correct_service(order_id, -1, "x", actor="admin:a", at=AT)
