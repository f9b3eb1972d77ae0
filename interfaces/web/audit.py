"""/api/v1/audit: the inspector's trail (巡察) — every event with its hash chain, personal data masked."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
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


EXPORT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}


class VerifyOut(Schema):
    ok = fields.Boolean(required=True)
    checked = fields.Integer(required=True)
    head = fields.String(required=True)
    first_bad_position = fields.Integer(allow_none=True, required=True)
    reason = fields.String(allow_none=True)


class Checkpoint(Schema):
    position = fields.Integer(required=True)
    head = fields.String(required=True)
    count = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    signature = fields.String(required=True)


class CheckpointsOut(Schema):
    public_key = fields.String(required=True)
    items = fields.List(fields.Nested(Checkpoint), required=True)


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


@blp.route("/verify")
class AuditVerify(MethodView):
    @blp.roles(*AUDITORS)
    @blp.response(200, VerifyOut)
    def get(self) -> Any:
        """Recompute the hash chain from the event store; compare it with the audit table and signed checkpoints."""
        return read_model().verify().as_dict()


@blp.route("/checkpoints")
class AuditCheckpoints(MethodView):
    @blp.roles(*AUDITORS)
    @blp.response(200, CheckpointsOut)
    def get(self) -> Any:
        """The signed checkpoints of the chain, and the Ed25519 public key that verifies them."""
        public_key, items = read_model().checkpoints()
        return {"public_key": public_key, "items": items}


@blp.route("/export")
class AuditExport(MethodView):
    @blp.roles(*AUDITORS)
    @blp.arguments(s.ExportQuery, location="query")
    @blp.doc(responses={"200": {"description": "Streamed lines, each with position, hash and previous hash",
                                "content": {EXPORT_TYPES["jsonl"]: {"schema": {"type": "string"}},
                                            EXPORT_TYPES["csv"]: {"schema": {"type": "string"}}}}})
    def get(self, query: dict[str, Any]) -> Any:
        """Every audited event after a position, streamed as JSON Lines or CSV; personal data masked."""
        lines = read_model().export(fmt=query["format"], after=query["after"], mask=True)
        return Response(stream_with_context(lines), content_type=f"{EXPORT_TYPES[query['format']]}; charset=utf-8")


def blueprints() -> list[Blueprint]:
    return [blp]
