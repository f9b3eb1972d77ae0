"""Issuing service-record certificates (DESIGN §17): the volunteer's services over a period, from the audit trail
(the `ServiceRecords` port), signed with the audit key (`DocumentSigner`) and recorded as a `Certificate`.

The same statement (volunteer, period and the very events counted) always gets the same serial, so asking twice
returns the certificate issued first; a new service or a correction in the period makes a new statement."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from application.base import CivicFlowBase
from application.errors import ConcurrencyConflict
from application.idempotency import CommandResult, command
from application.ports import DocumentSigner, ServiceRecords
from domain.certificate import LOCAL_TIME, Certificate, certificate_document, certificate_id, serial_for
from domain.privacy import mask_phone
from domain.volunteer import Volunteer

SERIAL_KEY = "certificate serials"


class CertificateCommands(CivicFlowBase):
    service_records: ServiceRecords | None = None
    signer: DocumentSigner | None = None

    def use_certificates(self, records: ServiceRecords, signer: DocumentSigner | None) -> None:
        self.service_records, self.signer = records, signer

    def certify(self, volunteer_id: UUID, first_day: date, last_day: date, verify_base: str, *, actor: str,
                idempotency_key: str | None = None) -> CommandResult:
        """Issue the certificate, or return the one already issued for the same statement — also when another
        request issued it between our reading and our writing (the two computed the same serial)."""
        try:
            return self.issue_certificate(volunteer_id, first_day, last_day, verify_base, actor=actor,
                                          idempotency_key=idempotency_key)
        except ConcurrencyConflict:
            return self.issue_certificate(volunteer_id, first_day, last_day, verify_base, actor=actor,
                                          idempotency_key=idempotency_key)

    @command
    def issue_certificate(self, volunteer_id: UUID, first_day: date, last_day: date, verify_base: str, *,
                          actor: str) -> list[Certificate]:
        volunteer, at, period = self.load(Volunteer, volunteer_id), self.clock.now(), (first_day, last_day)
        services = [self._service(s) for s in self._records().services_of(volunteer_id, *_bounds(*period))]
        serial = self._serial(at, volunteer_id, period, services)
        issued = self.find(Certificate, certificate_id(serial))
        return [issued if issued is not None else self._issue(volunteer, serial, at, period, services, verify_base,
                                                              actor)]

    def _serial(self, at: datetime, volunteer_id: UUID, period: tuple[date, date],
                services: list[dict[str, Any]]) -> str:
        """The same statement (volunteer, period, the audit positions counted) gets the same serial."""
        statement = "|".join([str(volunteer_id), *(day.isoformat() for day in period),
                              *(str(s["position"]) for s in services)])
        return serial_for(self._signer().derive_key(SERIAL_KEY), at.astimezone(LOCAL_TIME).year, statement)

    def _issue(self, volunteer: Volunteer, serial: str, at: datetime, period: tuple[date, date],
               services: list[dict[str, Any]], verify_base: str, actor: str) -> Certificate:
        document = certificate_document(serial=serial, issued_at=at, volunteer=self._holder(volunteer),
                                        issuer=self._site(volunteer.home_site_id),
                                        period=(period[0].isoformat(), period[1].isoformat()), services=services,
                                        verify_url=f"{verify_base.rstrip('/')}/verify/{serial}")
        return Certificate.issue(document, volunteer.id, self._signer().sign(document), actor=actor, at=at)

    def _signer(self) -> DocumentSigner:
        if self.signer is None:
            raise RuntimeError("certificates need the audit signing key (key_path)")
        return self.signer

    def _records(self) -> ServiceRecords:
        if self.service_records is None:
            raise RuntimeError("certificates need a ServiceRecords source (the audit trail)")
        return self.service_records

    def _service(self, record: dict[str, Any]) -> dict[str, Any]:
        category = self.categories.get(record["category"])
        return {"order_id": str(record["order_id"]), "date": record["credited_at"].astimezone(LOCAL_TIME).date()
                .isoformat(), "category": record["category"], "category_name": category.name_zh if category else
                record["category"], **{f"site_{k}": v for k, v in self._site(record["site_id"]).items()},
                "minutes": record["minutes"], "basis": record["basis"], "position": record["position"],
                "content_sha256": record["content_sha256"]}

    @staticmethod
    def _holder(volunteer: Volunteer) -> dict[str, str]:
        return {"id": str(volunteer.id), "name": volunteer.name, "masked_id": mask_phone(volunteer.phone)}

    def _site(self, code: str) -> dict[str, str]:
        site = self.sites.get(code)
        return {"id": code, "name": site.name_zh if site else code}


def _bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The period's days in local time (Beijing), as the instants [start of the first, start of the day after)."""
    return (datetime.combine(first_day, time(), LOCAL_TIME),
            datetime.combine(last_day + timedelta(days=1), time(), LOCAL_TIME))
