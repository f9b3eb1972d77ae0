"""/api/v1/audit: the inspector's trail (巡察) — every event with its hash chain, personal data masked; incremental
verification, full verification as a job, signed checkpoints, and exports that prove themselves."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, uuid5

from flask import Response, g, stream_with_context, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from application.errors import NotFound
from civicflow_verify import fingerprint
from interfaces.web import schemas_in as s
from interfaces.web.blueprints import api_blueprint
from interfaces.web.commands import idempotency_key
from interfaces.web.context import background, read_model, read_model_as_is
from interfaces.web.order_reads import jsonable
from interfaces.web.schemas_out import AuditItem, Nullable
from projections.views.runner import ViewsDamaged

blp = api_blueprint("audit", "/audit", "The audit trail: events with their hash chain (inspectors and admins)")
AUDITORS = ("inspector", "admin")
EXPORT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}
JOB_NAMESPACE = uuid5(NAMESPACE_URL, "https://civicflow.example/audit-verifications")


class VerifyOut(Schema):
    ok = fields.Boolean(required=True)
    checked = fields.Integer(required=True, metadata={"description": "events in the chain up to `head`"})
    head = fields.String(required=True)
    first_bad_position = Nullable(fields.Integer)
    reason = Nullable(fields.String)
    checkpoints = fields.Integer(metadata={"description": "signed checkpoints compared on the way"})
    from_position = fields.Integer(metadata={"description": "where this verification started: the newest signed "
                                                            "checkpoint (incremental) or 0 (full)"})
    pending = fields.Integer(metadata={"description": "events recomputed but not yet in the audit table"})


class Verification(Schema):
    id = fields.String(required=True)
    state = fields.String(required=True, metadata={"enum": ["queued", "running", "passed", "failed", "error",
                                                            "abandoned"]})
    requested_by = Nullable(fields.String)
    requested_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)
    progress = fields.Integer(required=True, metadata={"description": "the position verified up to so far"})
    result = fields.Dict(allow_none=True, metadata={"description": "once passed or failed, the report (as GET "
                                                                  "/audit/verify's); on error, {error}"})


class Checkpoint(Schema):
    position = fields.Integer(required=True)
    head = fields.String(required=True)
    count = fields.Integer(required=True)
    at = fields.DateTime(required=True)
    previous = Nullable(fields.Integer, metadata={"description": "the position of the checkpoint before it"})
    every = fields.Integer(metadata={"description": "events between two checkpoints at most, when signed"})
    signature = fields.String(required=True)


class CheckpointsOut(Schema):
    public_key = fields.String(required=True)
    fingerprint = fields.String(required=True, metadata={"description": "first 16 hex of sha256(raw key)"})
    items = fields.List(fields.Nested(Checkpoint), required=True)


class AuditPage(Schema):
    items = fields.List(fields.Nested(AuditItem), required=True)
    next_after = Nullable(fields.Integer)


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
        """Incremental: recompute what came since the newest signed checkpoint from the event store, compare it with
        the audit table, and sign the result. The whole history is verified by a job (POST /verifications)."""
        model = read_model_as_is()
        try:
            model.catch_up()  # so that what the views hold is compared, and signed, now
        except ViewsDamaged:
            pass  # the verification reads the store itself, and says what is wrong
        return model.verify_recent().as_dict()


@blp.route("/verifications")
class AuditVerifications(MethodView):
    @blp.roles(*AUDITORS)
    @blp.response(202, Verification, headers={"Location": {"description": "where to read the job's state",
                                                           "schema": {"type": "string"}}})
    def post(self) -> Any:
        """Start a full verification from genesis, in the background; the same Idempotency-Key answers the same job."""
        key = idempotency_key()
        job_id = uuid5(JOB_NAMESPACE, f"{g.principal.actor}\n{key}") if key else None
        model = read_model_as_is()
        job, new = model.verifications.request(g.principal.actor, job_id)
        if new:
            background().start(f"verification {job['id']}", lambda: model.verifications.run(job["id"], model.verify))
        return job, 202, {"Location": url_for("audit.AuditVerification", job_id=job["id"])}


@blp.route("/verifications/<job_id>")
class AuditVerification(MethodView):
    @blp.roles(*AUDITORS)
    @blp.response(200, Verification)
    def get(self, job_id: str) -> Any:
        """A verification job: queued, running (with its progress), passed or failed (with the report)."""
        job = read_model_as_is().verifications.get(job_id[:64])
        if job is None:
            raise NotFound("verification", job_id[:64])
        return job


@blp.route("/checkpoints")
class AuditCheckpoints(MethodView):
    @blp.roles(*AUDITORS)
    @blp.response(200, CheckpointsOut)
    def get(self) -> Any:
        """The signed checkpoints of the chain, and the Ed25519 public key (with its fingerprint) that verifies them."""
        public_key, items = read_model_as_is().checkpoints()
        return {"public_key": public_key, "fingerprint": fingerprint(public_key), "items": items}


@blp.route("/export")
class AuditExport(MethodView):
    @blp.roles(*AUDITORS)
    @blp.arguments(s.ExportQuery, location="query")
    @blp.doc(responses={"200": {"description": "Streamed records (docs/audit-format.md): header, checkpoints, events "
                                               "in their inspector form with display masks, and a final seal",
                                "content": {EXPORT_TYPES["jsonl"]: {"schema": {"type": "string"}},
                                            EXPORT_TYPES["csv"]: {"schema": {"type": "string"}}}}})
    def get(self, query: dict[str, Any]) -> Any:
        """Every audited event from the signed checkpoint at or before `after` (genesis for 0), verified against the
        event store as it is streamed, ending with a seal signed now; verify it with `civicflow-verify`."""
        lines = read_model().export(fmt=query["format"], after=query["after"])
        return Response(stream_with_context(lines), content_type=f"{EXPORT_TYPES[query['format']]}; charset=utf-8")


def blueprints() -> list[Blueprint]:
    return [blp]
