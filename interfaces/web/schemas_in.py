"""What the API accepts: marshmallow schemas at the edge only; unknown fields are rejected (422)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, ClassVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from domain.order import PRIORITIES, STATUSES


def clean_text(value: str) -> None:
    """Refuse unpaired surrogates (JSON can carry them; no store keeps them)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValidationError("must be valid UTF-8 text") from error


EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)


def sane_instant(value: datetime) -> None:
    """Instants far outside the service's life would overflow when converted to UTC in the views."""
    if not EARLIEST <= value <= LATEST:
        raise ValidationError("must lie between 2000-01-01 and 2100-01-01")


def Instant(**kwargs: Any) -> fields.AwareDateTime:  # noqa: N802 - a field factory
    return fields.AwareDateTime(validate=sane_instant, **kwargs)


NO_NUL = validate.Regexp(r"^[^\x00]*$", error="must not contain NUL characters")  # also documented as a pattern


def Text(max_length: int, *, required: bool = True, **kwargs: Any) -> fields.String:  # noqa: N802 - a field factory
    checks = [validate.Length(min=1, max=max_length), NO_NUL, clean_text]
    return fields.String(required=required, validate=checks, **kwargs)


class JsonBoolean(fields.Boolean):
    """`true` or `false` in a JSON body, nothing else: marshmallow would also take 1, "yes" or "on", which the
    OpenAPI document (type boolean) does not allow."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class QueryBoolean(fields.Boolean):
    """`true` or `false` in a query string, as an OpenAPI boolean parameter is written."""

    def __init__(self, **kwargs: Any):
        super().__init__(truthy={"true"}, falsy={"false"}, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, str):
            raise self.make_error("invalid", input=value)
        return super()._deserialize(value, attr, data, **kwargs)


class Strict(Schema):  # a body schema's EXAMPLE (a valid body) is shown in /docs (docs_page.ExamplesPlugin)
    class Meta:
        unknown = RAISE


class Empty(Strict):
    """Commands that need no data (`accept`, `start`): `{}` or no body at all."""

    EXAMPLE: ClassVar[dict[str, Any]] = {}


class Reason(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"reason": "居民临时外出，改约时间"}
    reason = Text(500)


class Resident(Strict):
    name = Text(100)
    phone = Text(32)
    address = fields.String(validate=[validate.Length(max=500), NO_NUL, clean_text], allow_none=True)


class Window(Strict):
    start = Instant(required=True)
    end = Instant(required=True)


class PlaceOrder(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "category": "health", "site_id": "post-babaoshan-01", "description": "量血压，老人行动不便",
        "resident": {"name": "王秀英", "phone": "13911112222", "address": "八宝山街道 3-201"}, "priority": "normal",
        "window": {"start": "2026-11-03T01:00:00Z", "end": "2026-11-03T04:00:00Z"}}
    category = Text(64)
    site_id = Text(64)
    description = Text(2000)
    resident = fields.Nested(Resident, required=True)
    priority = fields.String(validate=validate.OneOf(PRIORITIES), load_default="normal")
    window = fields.Nested(Window, allow_none=True)


class Dispatch(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"volunteer_id": "5a4c1e0e-6a1f-4a53-9d2b-1f0c3b8e7d21"}
    volunteer_id = fields.UUID()
    team_id = fields.UUID()
    auto = JsonBoolean(validate=validate.Equal(True))

    @validates_schema
    def exactly_one_target(self, data: dict[str, Any], **kwargs: Any) -> None:
        if len(data) != 1:
            raise ValidationError("give exactly one of volunteer_id, team_id or auto: true")


def DoorCode() -> fields.String:  # noqa: N802 - a field factory
    """The resident's one-time code (DESIGN §17), optional: without it the service is declared, not confirmed."""
    return fields.String(validate=validate.Regexp(r"^[0-9]{6}$", error="a door code is six digits"),
                         metadata={"example": "407316"})


class Start(Strict):
    """`start`: `{}` (declared), or the start code the resident reads out at the door (confirmed)."""

    EXAMPLE: ClassVar[dict[str, Any]] = {"door_code": "407316"}
    door_code = DoorCode()


class Complete(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"service_minutes": 40, "note": "血压正常，已叮嘱按时服药", "door_code": "915082"}
    service_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))
    note = fields.String(validate=[validate.Length(max=2000), NO_NUL, clean_text], allow_none=True)
    door_code = DoorCode()


class ConfirmService(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"reason": "居民来电确认服务已完成（门码未能读出）"}
    reason = Text(500)


class Review(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"rating": 5, "comment": "志愿者很耐心"}
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(validate=[validate.Length(max=2000), NO_NUL, clean_text], allow_none=True)


Skills = fields.List(Text(64), required=True, validate=validate.Length(min=1, max=50))


class RegisterVolunteer(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"name": "李雷", "phone": "13800000001", "home_site_id": "post-babaoshan-01",
                                         "skills": ["health", "elderly-care"], "capacity": 3}
    name = Text(100)
    phone = fields.String(required=True, validate=validate.Regexp(r"^\+?[0-9][0-9 -]{4,30}$"))
    home_site_id = Text(64)
    skills = Skills
    capacity = fields.Integer(strict=True, validate=validate.Range(min=1, max=50))


class Availability(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"available": True}
    available = JsonBoolean(required=True)


class ChangeSkills(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"skills": ["health", "legal-aid"]}
    skills = Skills


class CreateTeam(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"name": "八宝山健康服务队", "site_id": "post-babaoshan-01",
                                         "leader_id": "5a4c1e0e-6a1f-4a53-9d2b-1f0c3b8e7d21"}
    name = Text(100)
    site_id = Text(64)
    leader_id = fields.UUID(allow_none=True)


class AddMember(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"volunteer_id": "5a4c1e0e-6a1f-4a53-9d2b-1f0c3b8e7d21"}
    volunteer_id = fields.UUID(required=True)


Limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
Cursor = fields.String(validate=[validate.Length(min=1, max=200), NO_NUL, clean_text])


class OrderQuery(Strict):
    status = fields.String(validate=validate.OneOf(STATUSES))
    site_id = Text(64, required=False)
    category = Text(64, required=False)
    volunteer_id = fields.UUID()
    placed_after = Instant()
    placed_before = Instant()
    overdue = QueryBoolean()
    cursor = Cursor
    limit = Limit


class OrderAt(Strict):
    as_of = Instant()
    version = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))

    @validates_schema
    def one_point_in_time(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "as_of" in data and "version" in data:
            raise ValidationError("give as_of or version, not both")


class VolunteerQuery(Strict):
    site_id = Text(64, required=False)
    skill = Text(64, required=False)
    available = QueryBoolean()
    cursor = Cursor
    limit = Limit


class ReferenceQuery(Strict):
    """Reference lists are short: by default one page holds them whole."""

    cursor = Cursor
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=200))


class SiteQuery(ReferenceQuery):
    level = fields.String(validate=validate.OneOf(("center", "station", "post", "base")))
    parent_id = Text(64, required=False)


class AuditQuery(Strict):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    aggregate_id = fields.UUID()
    type = Text(64, required=False)


class ExportQuery(Strict):
    format = fields.String(load_default="jsonl", validate=validate.OneOf(("jsonl", "csv")))
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62))


class ResidentPhone(Strict):
    EXAMPLE: ClassVar[dict[str, Any]] = {"phone": "13911112222"}
    phone = Text(32, metadata={"example": "13911112222"})


class Erasure(ResidentPhone):
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "phone": "13911112222", "reason": "the resident asked for deletion (PIPL Art. 47), ticket 2026-118"}
    reason = Text(500, metadata={"example": "the resident asked for deletion (PIPL Art. 47), ticket 2026-118"})
