"""An order as a GeoReport v2 service request, with no personal data: the board's read (reads/open311.py) holds
no resident, channel or assignee at all; the description, which people type phone numbers into, is opened and
masked in the one format (domain.privacy.mask_free_text: the public may not read the resident); the address is
the site's name. Sites and services are looked up in tables made once per request, and times are written as W3C
text here, once, so that the answer is plain lists of strings for json.dumps or the XML writer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from application.residents import Residents
from domain.privacy import mask_free_text
from interfaces.web.open311.formats import w3c
from projections.reads.open311 import open311_status

STATUS_NOTES = {"placed": "已受理，等待派单", "dispatched": "已派单，等待志愿者接单", "accepted": "志愿者已接单",
                "in_service": "志愿者正在服务", "completed": "服务已完成，等待评价", "reviewed": "已评价",
                "closed": "已办结", "cancelled": "已取消"}
EVENT_NOTES = {"Placed": "点单：诉求已受理", "Dispatched": "派单", "Undispatched": "撤回派单，重新待派",
               "Accepted": "接单", "ServiceStarted": "开始服务", "ServiceCompleted": "服务完成",
               "Reviewed": "评单：居民已评价", "ReviewWindowClosed": "评价期结束，办结", "Cancelled": "已取消",
               "Escalated": "超时升级到上级站所"}
NO_SITE = (None, None, None)


class Presenter:
    """One request's lookups: each site's (name, lat, lon), each service's name, the residents' keys."""

    def __init__(self, sites: Iterable[Any], categories: Mapping[str, Any], residents: Residents):
        self.sites = {site.code: (site.name_zh, site.lat, site.lon) for site in sites}
        self.services = {code: category.name_zh for code, category in categories.items()}
        self.residents = residents

    def requests(self, rows: Sequence[Mapping[str, Any]], notes: Mapping[str, list[dict[str, Any]]] | None = None
                 ) -> list[dict[str, Any]]:
        """`notes`: the orders' timelines by id (reads/open311.timelines) for extensions=true, else None. The
        descriptions are opened together (one read of the page's residents' keys), and masked for the public."""
        opened = self.residents.reveal_values("description", [row["description"] for row in rows])
        return [self.request(row, mask_free_text(text), None if notes is None else notes[row["id"]])
                for row, text in zip(rows, opened)]

    def request(self, row: Mapping[str, Any], description: str | None,
                notes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        name, lat, lon = self.sites.get(row["site_id"], NO_SITE)
        request = {
            "service_request_id": row["id"], "status": open311_status(row["status"]),
            "status_notes": STATUS_NOTES.get(row["status"], row["status"]),
            "service_name": self.services.get(row["category"], row["category"]), "service_code": row["category"],
            "description": description,
            "agency_responsible": self.sites.get(row["responsible_site_id"], NO_SITE)[0], "service_notice": None,
            "requested_datetime": w3c(row["placed_at"]), "updated_datetime": _w3c(row["updated_at"]),
            "expected_datetime": _w3c(row["expected_at"]), "address": name, "address_id": row["site_id"],
            "zipcode": None, "lat": lat, "long": lon, "media_url": None,
        }
        return request if notes is None else {**request, **_extensions(row, notes)}


def _extensions(row: Mapping[str, Any], notes: list[dict[str, Any]]) -> dict[str, Any]:
    escalations = [{**step, "at": w3c(datetime.fromisoformat(step["at"]))} for step in row["escalations"]]
    return {"extended_attributes": {"priority": row["priority"], "site_id": row["site_id"],
                                    "responsible_site_id": row["responsible_site_id"], "overdue": row["overdue"],
                                    "escalations": escalations, "status_detail": row["status"]},
            "notes": timeline(notes)}


def timeline(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order's events as notes: what happened and when; never who, never the events' data."""
    return [{"type": event["type"], "datetime": w3c(event["timestamp"]),
             "summary": EVENT_NOTES.get(event["type"], event["type"])} for event in events]


def _w3c(value: datetime | None) -> str | None:
    return None if value is None else w3c(value)
