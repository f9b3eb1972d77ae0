"""GET /api/v1/volunteers/{id}/certificate (DESIGN §17): a volunteer's services over a period, signed — JSON by
default, PDF with `?format=pdf` or `Accept: application/pdf` (`format` wins when both are given); and the admin's
correction of a credited service, POST /api/v1/volunteers/{id}/service-corrections."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from flask import Response, g, request
from flask.views import MethodView
from marshmallow import ValidationError, fields, validate, validates_schema

from civicflow_verify import fingerprint
from domain.certificate import Certificate
from domain.volunteer import Volunteer
from interfaces.web.blueprints import api_blueprint
from interfaces.web.certificates.pdf import render_pdf
from interfaces.web.commands import answer, if_match, run
from interfaces.web.context import civicflow, policy
from interfaces.web.schemas_in import Strict, Text
from interfaces.web.schemas_out import VolunteerOut
from projections import presenting

blp = api_blueprint("certificates", "/volunteers", "Service-record certificates (志愿服务记录证明) and corrections")
PDF, JSON = "application/pdf", "application/json"
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class CertificateQuery(Strict):
    from_ = fields.Date(required=True, data_key="from", metadata={"description": "first day (Beijing time)"})
    to = fields.Date(required=True, metadata={"description": "last day, inclusive"})
    format = fields.String(validate=validate.OneOf(("json", "pdf")))

    @validates_schema
    def a_period(self, data: dict[str, Any], **kwargs: Any) -> None:
        for name, key in (("from_", "from"), ("to", "to")):
            if not EARLIEST <= data[name] <= LATEST:
                raise ValidationError(f"must lie between {EARLIEST} and {LATEST}", key)
        if data["from_"] > data["to"]:
            raise ValidationError("the period must start on or before the day it ends", "from")


class ServiceCorrection(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"order_id": "7f0c5a52-3d2e-4c07-9a55-0d0b7e0e0b1a", "minutes": 45,
                                         "reason": "服务实际为 45 分钟"}
    order_id = fields.UUID(required=True)
    minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=24 * 60))
    reason = Text(500)


def wants_pdf(query: dict[str, Any]) -> bool:
    if "format" in query:
        return query["format"] == "pdf"
    return request.accept_mimetypes.best_match([JSON, PDF], default=JSON) == PDF


def signed(certificate: Any) -> dict[str, Any]:
    """The certificate as handed out: the document, its signature and the key that made it."""
    public_key = civicflow().signer.public_key
    return {"certificate": certificate.document, "signature": certificate.signature, "public_key": public_key,
            "fingerprint": fingerprint(public_key)}


@blp.route("/<uuid:volunteer_id>/certificate")
class VolunteerCertificate(MethodView):
    @blp.roles("volunteer", "dispatcher", "admin")
    @blp.arguments(CertificateQuery, location="query")
    @blp.doc(responses={"200": {"description": "The signed certificate (docs/hours.md, Certificates): JSON "
                                               "{certificate, signature, public_key, fingerprint}, or its PDF",
                                "content": {JSON: {"schema": {"type": "object"}},
                                            PDF: {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, query: dict[str, Any], volunteer_id: UUID) -> Any:
        """Issue (or return, for the same period and services) the volunteer's service-record certificate."""
        policy().require_certifiable(g.principal, civicflow().load(Volunteer, volunteer_id))
        base = civicflow().settings.public_url or request.host_url
        result = run(civicflow().certify, volunteer_id, query["from_"], query["to"], base)
        certificate = result.aggregate or civicflow().find(Certificate, result.id)  # None on an idempotent replay
        headers = {"Cache-Control": "no-store", "Vary": "Accept"}
        if wants_pdf(query):
            body = render_pdf(certificate.document, civicflow().signer.public_key)
            disposition = f'inline; filename="{certificate.serial}.pdf"'
            return Response(body, content_type=PDF, headers={**headers, "Content-Disposition": disposition})
        return signed(certificate), 200, headers


@blp.route("/<uuid:volunteer_id>/service-corrections")
class ServiceCorrections(MethodView):
    @blp.roles("admin")
    @blp.arguments(ServiceCorrection)
    @blp.response(200, VolunteerOut)
    def post(self, body: dict[str, Any], volunteer_id: UUID) -> Any:
        """Correct the minutes credited for one of the volunteer's orders; certificates that counted the service
        are reported revoked from then on."""
        result = run(civicflow().correct_service, volunteer_id, body["order_id"], body["minutes"], body["reason"],
                     expected_version=if_match())
        return answer(Volunteer, result, presenting.volunteer)
