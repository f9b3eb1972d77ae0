"""Service-record certificates (DESIGN §17, 志愿服务记录证明): what one says, its serial, and its issue.

A certificate states a volunteer's services over a period — each one's date, category, site, minutes and basis
(confirmed by the resident or only declared by the volunteer) with the audit position of the event that credited
it — and the totals. The document is built here, signed by the application (the audit key) and recorded whole in
the `Issued` event, so that what was handed out can be shown again and checked against the audit trail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from domain.base import CivicAggregate, DomainError

CERTIFICATE_NAMESPACE = uuid5(NAMESPACE_URL, "https://civicflow.example/certificate")
KIND = "civicflow-service-certificate"
FORMAT = 1
CONFIRMED, DECLARED = "confirmed", "declared"
BASES = (CONFIRMED, DECLARED)
LOCAL_TIME = ZoneInfo("Asia/Shanghai")  # a service's date is its day in Beijing
SERIAL_LETTERS = 8  # 40 bits of base32: short enough to read out, too many to guess


class InvalidPeriod(DomainError):
    field = "from"

    def __init__(self) -> None:
        super().__init__("the period must start on or before the day it ends")


def certificate_id(serial: str) -> UUID:
    """A certificate is found by its serial: the aggregate's id is derived from it."""
    return uuid5(CERTIFICATE_NAMESPACE, serial.strip().upper())


def serial_for(key: bytes, year: int, subject: str) -> str:
    """`CF-<year>-XXXXXXXX`: a keyed hash of what the certificate states (`subject`), so the same statement gets the
    same serial and no one without the key can guess another's."""
    digest = hmac.new(key, subject.encode("utf-8"), hashlib.sha256).digest()
    return f"CF-{year}-{base64.b32encode(digest).decode('ascii')[:SERIAL_LETTERS]}"


def totals(services: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Minutes confirmed, declared and all of them, and how many services: integers only, so that the canonical
    JSON is the same in every language (a float's text is not)."""
    confirmed = sum(s["minutes"] for s in services if s["basis"] == CONFIRMED)
    declared = sum(s["minutes"] for s in services if s["basis"] != CONFIRMED)
    return {"services": len(services), "confirmed_minutes": confirmed, "declared_minutes": declared,
            "all_minutes": confirmed + declared}


def certificate_document(*, serial: str, issued_at: datetime, volunteer: dict[str, Any], issuer: dict[str, Any],
                         period: tuple[str, str], services: Sequence[dict[str, Any]], verify_url: str
                         ) -> dict[str, Any]:
    """The certificate as signed: plain JSON values only (the audit format's canonical JSON is taken of it)."""
    return {"v": FORMAT, "kind": KIND, "serial": serial, "issued_at": issued_at.isoformat(),
            "volunteer": dict(volunteer), "issuer": dict(issuer), "period": {"from": period[0], "to": period[1]},
            "services": [dict(s) for s in services], "totals": totals(services), "verify_url": verify_url}


class Certificate(CivicAggregate):
    class Issued(CivicAggregate.Created):
        serial: str
        volunteer_id: UUID
        document: dict[str, Any]
        signature: str

    def __init__(self, serial: str, volunteer_id: UUID, document: dict[str, Any], signature: str, actor: str):
        self.serial = serial
        self.volunteer_id = volunteer_id
        self.document = document
        self.signature = signature

    @classmethod
    def issue(cls, document: dict[str, Any], volunteer_id: UUID, signature: str, *, actor: str,
              at: datetime) -> Certificate:
        if document["period"]["from"] > document["period"]["to"]:
            raise InvalidPeriod()
        return cls._create(cls.Issued, id=certificate_id(document["serial"]), serial=document["serial"],
                           volunteer_id=volunteer_id, document=document, signature=signature, actor=actor,
                           timestamp=at)

    @property
    def counted_positions(self) -> list[int]:
        return [s["position"] for s in self.document["services"]]

    @property
    def counted_orders(self) -> set[str]:
        return {s["order_id"] for s in self.document["services"]}
