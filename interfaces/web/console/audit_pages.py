"""The inspector's audit pages: the trail with filters (actor, type, time range, aggregate) in pages;
verification (the first bad position in red), the signed checkpoints and the public key's fingerprint; export
downloads (streamed, the API's export); and a page that verifies an export in the browser (static/verify.js)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Blueprint, Response, g, render_template, request, stream_with_context
from flask_babel import get_timezone
from werkzeug.exceptions import NotFound

from civicflow_verify import fingerprint
from domain.privacy import mask_personal
from interfaces.web.console.session import person_required
from interfaces.web.context import background, now, read_model, read_model_as_is
from interfaces.web.order_reads import jsonable
from projections.reads.audit_filters import AuditFilter, audit_page, known_values
from projections.views.runner import ViewsDamaged

blp = Blueprint("console_audit", __name__, url_prefix="/console/audit")
AUDITORS = ("inspector", "admin")
EXPORT_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv"}
TEXT_FILTERS = ("actor", "type", "aggregate_id", "aggregate_type")


def the_filter() -> AuditFilter:
    """From the query; the days are the console's local days (since: from its start; until: to its end)."""
    texts = {name: (request.args.get(name) or "").strip()[:200] or None for name in TEXT_FILTERS}
    return AuditFilter(**texts, since=_day_start(request.args.get("since")),
                       until=_day_start(request.args.get("until"), next_day=True))


def _day_start(text: str | None, next_day: bool = False) -> datetime | None:
    try:
        day = datetime.fromisoformat(text).date() if text else None
    except ValueError:
        return None
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1 if next_day else 0), time(0), tzinfo=get_timezone())


@blp.get("/")
@person_required(*AUDITORS)
def trail_page() -> Any:
    model = read_model()
    after = max(request.args.get("after", 0, type=int), 0)
    rows, next_after = audit_page(model.engine, model.tables, the_filter(), after=after)
    items = [{**row, "data": jsonable(mask_personal(model.unseal(row["data"]), model.place_of))} for row in rows]
    query = {k: v for k, v in request.args.items() if k != "after"}
    return render_template("console/audit_trail.html", items=items, next_after=next_after, after=after, query=query,
                           types=known_values(model.engine, model.tables, "type"),
                           aggregate_types=known_values(model.engine, model.tables, "aggregate_type"))


@blp.get("/verification")
@person_required(*AUDITORS)
def verification_page() -> Any:
    return verification_view()


def verification_view(report: dict[str, Any] | None = None, job: dict[str, Any] | None = None) -> str:
    public_key, marks = read_model_as_is().checkpoints()
    return render_template("console/verification.html", public_key=public_key, fingerprint=fingerprint(public_key),
                           checkpoints=list(reversed(marks)), report=report, job=job)


def caught_up() -> Any:
    """The read model with the audit table caught up if it can be, so that what it holds now is what is compared."""
    model = read_model_as_is()
    try:
        model.catch_up()
    except ViewsDamaged:
        pass  # the verification reads the store itself, and says what is wrong
    return model


@blp.post("/verification")
@person_required(*AUDITORS)
def verify_now() -> Any:
    """Incremental verification (GET /api/v1/audit/verify's): what came since the newest signed checkpoint."""
    report = caught_up().verify_recent().as_dict()
    if request.headers.get("HX-Request"):
        return render_template("console/_verify_report.html", report=report)
    return verification_view(report=report)


@blp.post("/verifications")
@person_required(*AUDITORS)
def start_full_verification() -> Any:
    """The whole history from genesis, as a background job (POST /api/v1/audit/verifications'); the page polls it."""
    model = caught_up()
    job, _ = model.verifications.request(g.principal.actor)
    background().start(f"verification {job['id']}", lambda: model.verifications.run(job["id"], model.verify))
    if request.headers.get("HX-Request"):
        return render_template("console/_verify_job.html", job=job), 202
    return verification_view(job=job), 202


@blp.get("/verifications/<job_id>")
@person_required(*AUDITORS)
def full_verification(job_id: str) -> Any:
    job = read_model_as_is().verifications.get(job_id[:64])
    if job is None:
        raise NotFound()
    return render_template("console/_verify_job.html", job=job)


@blp.get("/export")
@person_required(*AUDITORS)
def export_download() -> Response:
    fmt = request.args.get("format", "jsonl")
    if fmt not in EXPORT_TYPES:
        raise NotFound()
    lines = read_model().export(fmt=fmt)
    name = f"civicflow-audit-{now().strftime('%Y%m%dT%H%M%SZ')}.{fmt}"
    return Response(stream_with_context(lines), content_type=f"{EXPORT_TYPES[fmt]}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.get("/verify-file")
@person_required(*AUDITORS)
def verify_file_page() -> Any:
    public_key, _ = read_model_as_is().checkpoints()
    return render_template("console/verify_file.html", public_key=public_key, fingerprint=fingerprint(public_key))
