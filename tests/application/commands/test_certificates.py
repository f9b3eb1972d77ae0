"""Issuing certificates (application/commands/certificates.py) over fake ports: the services of the period in the
document, signed with the audit key, recorded once per statement."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from application.app import CivicFlow
from application.errors import NotFound
from civicflow_verify import verify_certificate
from domain.certificate import Certificate, InvalidPeriod
from projections.audit.signing import Signer
from tests.application.conftest import register
from tests.fakes import InMemoryServiceRecords

NOV = (date(2026, 11, 1), date(2026, 11, 30))
BASE = "https://civicflow.example"


@pytest.fixture
def records(civic: CivicFlow) -> InMemoryServiceRecords:
    fake, signer = InMemoryServiceRecords(), Signer(Ed25519PrivateKey.generate())
    civic.use_certificates(fake, signer)
    return fake


def issue(civic: CivicFlow, volunteer_id, period=NOV) -> Certificate:  # type: ignore[no-untyped-def]
    result = civic.issue_certificate(volunteer_id, *period, BASE, actor="volunteer:test")
    return civic.find(Certificate, result.id)


def test_the_certificate_states_the_services_of_the_period_and_is_signed(civic: CivicFlow, records) -> None:
    volunteer = register(civic)
    records.credit(uuid4(), datetime(2026, 10, 31, 15, 59, tzinfo=timezone.utc), 20)  # 10-31 23:59 in Beijing
    records.credit(uuid4(), datetime(2026, 10, 31, 16, 0, tzinfo=timezone.utc), 30, basis="confirmed")
    records.credit(uuid4(), datetime(2026, 11, 30, 15, 59, tzinfo=timezone.utc), 45)
    records.credit(uuid4(), datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc), 60)  # 12-01 in Beijing
    certificate = issue(civic, volunteer.id)
    document = certificate.document
    assert [(s["date"], s["minutes"], s["basis"]) for s in document["services"]] == \
        [("2026-11-01", 30, "confirmed"), ("2026-11-30", 45, "declared")]
    assert document["totals"] == {"services": 2, "confirmed_minutes": 30, "declared_minutes": 45,
                                  "all_minutes": 75}
    assert document["volunteer"]["masked_id"] == "138****0001" and document["issuer"]["id"] == "post-babaoshan-01"
    assert document["services"][0]["category_name"] == civic.categories["haircut"].name_zh
    assert document["verify_url"] == f"{BASE}/verify/{certificate.serial}"
    signed = {"certificate": document, "signature": certificate.signature}
    assert verify_certificate(signed, civic.signer.public_key)["ok"]


def test_the_same_statement_keeps_its_serial_and_a_new_service_makes_another(civic: CivicFlow, records) -> None:
    volunteer = register(civic)
    records.credit(uuid4(), datetime(2026, 11, 2, 8, tzinfo=timezone.utc), 30)
    first = issue(civic, volunteer.id)
    civic.clock.advance(timedelta(days=1))
    again = issue(civic, volunteer.id)
    assert (again.serial, again.version, again.document) == (first.serial, 1, first.document)
    records.credit(uuid4(), datetime(2026, 11, 3, 8, tzinfo=timezone.utc), 30)
    assert issue(civic, volunteer.id).serial != first.serial


def test_a_period_ending_before_it_starts_or_an_unknown_volunteer_is_refused(civic: CivicFlow, records) -> None:
    volunteer = register(civic)
    with pytest.raises(InvalidPeriod):
        issue(civic, volunteer.id, (date(2026, 11, 2), date(2026, 11, 1)))
    with pytest.raises(NotFound):
        issue(civic, uuid4())


class SignedMeanwhile:
    """The audit key, through which a second request (another process) issues the same statement while the first is
    signing it: after the first looked for it, before the first writes."""

    def __init__(self, key: Signer, other: CivicFlow, records: InMemoryServiceRecords):
        self.key, self.other, self.records, self.raced = key, other, records, False

    @property
    def public_key(self) -> str:
        return self.key.public_key

    def derive_key(self, purpose: str) -> bytes:
        return self.key.derive_key(purpose)

    def sign(self, payload):  # type: ignore[no-untyped-def]
        if not self.raced:
            self.raced = True
            self.other.use_certificates(self.records, self.key)
            self.other.issue_certificate(UUID(payload["volunteer"]["id"]), *NOV, BASE, actor="volunteer:other")
        return self.key.sign(payload)


def test_two_requests_issuing_the_same_statement_at_once_get_the_same_certificate(clock, tmp_path) -> None:
    from application.settings import Settings
    from tests.conftest import make_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'civicflow.db'}", var_dir=tmp_path / "var")
    first, second = make_app(settings, clock), make_app(settings, clock)
    try:
        records = InMemoryServiceRecords()
        racing = SignedMeanwhile(Signer(Ed25519PrivateKey.generate()), second, records)
        first.use_certificates(records, racing)
        volunteer = register(first)
        records.credit(uuid4(), datetime(2026, 11, 2, 8, tzinfo=timezone.utc), 30)
        result = first.certify(volunteer.id, *NOV, BASE, actor="volunteer:test")
        winner = second.find(Certificate, result.id)
        assert racing.raced and winner is not None and winner.version == 1
        assert first.find(Certificate, result.id).document == winner.document
    finally:
        first.close()
        second.close()
