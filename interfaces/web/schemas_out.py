"""What the API answers (documented in the OpenAPI description, and used to dump every response)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.door_codes import BASES, STATES
from domain.order import PRIORITIES, STATUSES


def Nullable(field: type[fields.Field], **kwargs) -> fields.Field:  # type: ignore[no-untyped-def]  # noqa: N802
    return field(allow_none=True, required=True, **kwargs)


class Problem(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    request_id = fields.String()


class ResidentOut(Schema):
    name = fields.String(required=True)
    phone = fields.String(required=True)
    address = Nullable(fields.String)


class Assignee(Schema):
    volunteer_id = fields.String()
    team_id = fields.String()


class Escalation(Schema):
    from_site = fields.String(required=True)
    to_site = fields.String(required=True)
    at = fields.DateTime(required=True)


class Deadlines(Schema):
    dispatch_by = Nullable(fields.DateTime)
    accept_by = Nullable(fields.DateTime)
    complete_by = Nullable(fields.DateTime)
    review_by = Nullable(fields.DateTime)


class DoorCode(Schema):
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    code = Nullable(fields.String, metadata={"description": "the plain code: to the placing channel, while active"})
    tries_left = fields.Integer(required=True)


class DoorCodes(Schema):
    issued_version = fields.Integer(required=True)
    expires_at = fields.DateTime(required=True)
    start = fields.Nested(DoorCode, required=True)
    complete = fields.Nested(DoorCode, required=True)


class OrderOut(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    category = fields.String(required=True)
    site_id = fields.String(required=True)
    description = fields.String(required=True)
    channel = fields.String(required=True)
    priority = fields.String(required=True, validate=validate.OneOf(PRIORITIES))
    resident = fields.Nested(ResidentOut, required=True)
    placed_at = fields.DateTime(required=True)
    assignee = fields.Nested(Assignee, allow_none=True, required=True)
    accepted_by = Nullable(fields.String)
    started_at = Nullable(fields.DateTime)
    completed_at = Nullable(fields.DateTime)
    service_minutes = Nullable(fields.Integer)
    rating = Nullable(fields.Integer)
    comment = Nullable(fields.String)
    cancel_reason = Nullable(fields.String)
    escalations = fields.List(fields.Nested(Escalation), required=True)
    deadlines = fields.Nested(Deadlines, required=True)
    overdue = fields.Boolean(required=True)
    service_basis = Nullable(fields.String, validate=validate.OneOf(BASES))
    door_codes = fields.Nested(DoorCodes, allow_none=True, required=True)
    version = fields.Integer(required=True)


class VolunteerOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    home_site_id = fields.String(required=True)
    skills = fields.List(fields.String(), required=True)
    team_ids = fields.List(fields.String(), required=True)
    available = fields.Boolean(required=True)
    suspended = fields.Boolean(required=True)
    active_orders = fields.Integer(required=True)
    completed_orders = fields.Integer(required=True)
    service_minutes = fields.Integer(required=True)
    confirmed_minutes = fields.Integer(required=True)
    declared_minutes = fields.Integer(required=True)
    average_rating = Nullable(fields.Float)
    stars = fields.Integer(required=True)
    version = fields.Integer(required=True)


class TeamOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    site_id = fields.String(required=True)
    member_ids = fields.List(fields.String(), required=True)
    version = fields.Integer(required=True)


class SiteOut(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    name_zh = fields.String(required=True)
    level = fields.String(required=True)
    parent_id = Nullable(fields.String)
    lat = fields.Float(required=True)
    lon = fields.Float(required=True)


class CategoryOut(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_zh = fields.String(required=True)
    home_service = fields.Boolean(required=True)
    typical_minutes = fields.Integer(required=True)


class HistoryItem(Schema):
    position = fields.Integer(required=True)
    version = fields.Integer(required=True)
    type = fields.String(required=True)
    timestamp = fields.DateTime(required=True)
    actor = fields.String(required=True)
    data = fields.Dict(required=True)


class AuditItem(HistoryItem):
    actor = Nullable(fields.String, metadata={"description": "who issued the event; null only on idempotency "
                                                             "records stored before they carried one"})
    aggregate_id = fields.String(required=True)
    aggregate_type = fields.String(required=True)
    hash = fields.String(required=True)
    prev_hash = fields.String(required=True)


class Satisfaction(Schema):
    reviews = fields.Integer(required=True)
    average_rating = Nullable(fields.Float)
    rated_4_or_more = fields.Integer()
    share = Nullable(fields.Float)


class Spread(Schema):
    count = fields.Integer(required=True)
    median_minutes = Nullable(fields.Float)
    p90_minutes = Nullable(fields.Float)


class Timings(Schema):
    minutes_to_dispatch = Nullable(fields.Float)
    minutes_to_accept = Nullable(fields.Float)
    minutes_to_complete = Nullable(fields.Float)
    to_dispatch = fields.Nested(Spread)
    to_accept = fields.Nested(Spread)
    to_complete = fields.Nested(Spread)


class Participation(Schema):
    registered = fields.Integer(required=True)
    active_30d = fields.Integer(required=True)
    share = Nullable(fields.Float)


class SiteStatsOut(Schema):
    site_id = fields.String(required=True)
    level = fields.String(required=True)
    counts = fields.Dict(keys=fields.String(validate=validate.OneOf(STATUSES)), values=fields.Integer(), required=True)
    total = fields.Integer(required=True)
    service_minutes = fields.Integer(required=True)
    satisfaction = fields.Nested(Satisfaction, required=True)
    timings = fields.Nested(Timings, required=True)
    overdue = fields.Integer(required=True)
    escalated = fields.Integer()
    participation = fields.Nested(Participation)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """`{items, next_cursor}`: the one list shape of the API."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item), required=True),
                             "next_cursor": Nullable(fields.String)}, name=name)


OrderPage = page_of(OrderOut, "OrderPage")
VolunteerPage = page_of(VolunteerOut, "VolunteerPage")
SitePage = page_of(SiteOut, "SitePage")
CategoryPage = page_of(CategoryOut, "CategoryPage")
History = Schema.from_dict({"items": fields.List(fields.Nested(HistoryItem), required=True)}, name="History")
