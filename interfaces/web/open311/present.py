"""An order as a GeoReport v2 service request, with no personal data: the description through the one mask
(application.policy, for a caller who may not read the resident), the address as the site's name at most."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from application.policy import Principal
from domain.order import DEADLINE_IN_STATUS
from interfaces.web.context import civicflow, policy
from projections.reads.open311 import open311_status

ANYONE = Principal(UUID(int=0), "open311-public")  # a reader who may see no resident's data
STATUS_NOTES = {"placed": "已受理，等待派单", "dispatched": "已派单，等待志愿者接单", "accepted": "志愿者已接单",
                "in_service": "志愿者正在服务", "completed": "服务已完成，等待评价", "reviewed": "已评价",
                "closed": "已办结", "cancelled": "已取消"}
EVENT_NOTES = {"Placed": "点单：诉求已受理", "Dispatched": "派单", "Undispatched": "撤回派单，重新待派",
               "Accepted": "接单", "ServiceStarted": "开始服务", "ServiceCompleted": "服务完成",
               "Reviewed": "评单：居民已评价", "ReviewWindowClosed": "评价期结束，办结", "Cancelled": "已取消",
               "Escalated": "超时升级到上级站所"}


def service_request(row: dict[str, Any], extended: bool = False) -> dict[str, Any]:
    shown = policy().shown(ANYONE, row)
    site, responsible = _site(row["site_id"]), _site(row["responsible_site_id"])
    deadline = DEADLINE_IN_STATUS.get(row["status"])
    category = civicflow().categories.get(row["category"])
    request = {
        "service_request_id": row["id"], "status": open311_status(row["status"]),
        "status_notes": STATUS_NOTES.get(row["status"], row["status"]),
        "service_name": category.name_zh if category else row["category"], "service_code": row["category"],
        "description": shown["description"], "agency_responsible": responsible.name_zh if responsible else None,
        "service_notice": None, "requested_datetime": row["placed_at"], "updated_datetime": row["updated_at"],
        "expected_datetime": row["deadlines"][deadline] if deadline else None,
        "address": site.name_zh if site else None, "address_id": row["site_id"], "zipcode": None,
        "lat": site.lat if site else None, "long": site.lon if site else None, "media_url": None,
    }
    return {**request, **_extensions(row, site)} if extended else request


def _extensions(row: dict[str, Any], site: Any) -> dict[str, Any]:
    return {"extended_attributes": {"priority": row["priority"], "site_id": row["site_id"],
                                    "responsible_site_id": row["responsible_site_id"], "overdue": row["overdue"],
                                    "escalations": row["escalations"], "status_detail": row["status"]},
            "notes": []}


def timeline(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order's events as notes: what happened and when; never who, never the events' data."""
    return [{"type": event["type"], "datetime": event["timestamp"],
             "summary": EVENT_NOTES.get(event["type"], event["type"])} for event in events]


def _site(code: str) -> Any:
    return civicflow().sites.get(code)
