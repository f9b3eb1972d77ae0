"""/api/v1/audit: the inspector's trail (巡察) — every event with its hash chain, personal data masked."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from interfaces.web import schemas_in as s
from interfaces.web.blueprints import api_blueprint
from interfaces.web.context import read_model
from interfaces.web.order_reads import jsonable
from interfaces.web.schemas_out import AuditItem

blp = api_blueprint("audit", "/audit", "The audit trail: events with their hash chain (inspectors and admins)")
AUDITORS = ("inspector", "admin")


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditItem), required=True)
    next_after = fields.Integer(allow_none=True, required=True)


@blp.route("/events")
class AuditEvents(MethodView):
    @blp.roles(*AUDITORS)
    @blp.arguments(s.AuditQuery, location="query")
    @blp.response(200, AuditPage)
    def get(self, query: dict[str, Any]) -> Any:
        """Events after a position, oldest first, each with its hash and the previous one; resident data masked."""
        items, next_after = read_model().audit_events(**query, mask=True)
        return {"items": [{**item, "data": jsonable(item["data"])} for item in items], "next_after": next_after}


def blueprints() -> list[Blueprint]:
    return [blp]
