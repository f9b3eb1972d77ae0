"""/api/v1/residents: a resident's rights over their data (PIPL Art. 45 copy, Art. 47 deletion). The phone travels
in the body only — paths and query strings land in access logs and proxies."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from domain.resident import ResidentErasure
from interfaces.web import schemas_in as s
from interfaces.web.blueprints import api_blueprint
from interfaces.web.commands import run
from interfaces.web.context import civicflow, now
from interfaces.web.schemas_out import Nullable, OrderOut, ResidentOut
from projections import presenting

blp = api_blueprint("residents", "/residents", "Residents' rights over their data: a copy, and erasure (admins)")


class ErasureOut(Schema):
    resident_id = fields.String(required=True, metadata={"description": "an HMAC of the phone, not the phone"})
    orders = fields.Integer(required=True, metadata={"description": "orders whose personal fields are now unreadable"})
    erased_at = fields.DateTime(required=True)
    reason = fields.String(required=True)


class ResidentDataOut(Schema):
    resident = fields.Nested(ResidentOut, required=True)
    orders = fields.List(fields.Nested(OrderOut), required=True)
    erased_at = Nullable(fields.DateTime)


@blp.route("/erasures")
class Erasures(MethodView):
    @blp.roles("admin")
    @blp.arguments(s.Erasure)
    @blp.response(201, ErasureOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Erase a resident: their key is destroyed, so their name, phone, address and free text in every order,
        view and backup become unreadable ("erased"); the erasure is recorded without personal data."""
        app = civicflow()
        result = run(app.erase_resident, app.residents.resident_id(body["phone"]), body["reason"])
        erasure = app.load(ResidentErasure, result.id)
        return {"resident_id": erasure.resident_id, "orders": len(erasure.order_ids),
                "erased_at": erasure.created_on, "reason": erasure.reason}


@blp.route("/data-requests")
class DataRequests(MethodView):
    @blp.roles("admin", "channel")
    @blp.arguments(s.ResidentPhone)
    @blp.response(200, ResidentDataOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Everything held about a resident, in clear (a channel: the orders it placed)."""
        app = civicflow()
        orders, erasure = app.resident_orders(app.residents.resident_id(body["phone"]), g.principal)
        shown = [app.residents.revealed(presenting.order(order, now())) for order in orders]
        return presenting.resident_copy(shown, None if erasure is None else erasure.created_on)


def blueprints() -> list[Blueprint]:
    return [blp]
