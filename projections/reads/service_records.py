"""A volunteer's services as the audit trail holds them (the ServiceRecords port, DESIGN §17), and the
corrections made to them after a position (what revokes a certificate).

Event types are matched by name, as data: `ServiceConfirmed` (a dispatcher confirmed a declared service) and a
`basis` on `ServiceCredited` ("declared" when an event has none) are read wherever they appear."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, select

from projections.views.tables import ViewTables

CREDITED = "ServiceCredited"
CHANGES = ("ServiceConfirmed", "ServiceCorrected")  # events that change a credited service's minutes or basis
SERVICE_EVENTS = (CREDITED, *CHANGES)
CONFIRMED, DECLARED = "confirmed", "declared"


def _basis(type_name: str, data: dict[str, Any], before: str) -> str:
    if type_name == CREDITED:
        return data.get("basis") or DECLARED
    return CONFIRMED if type_name == "ServiceConfirmed" else data.get("basis") or before


class AuditServiceRecords:
    def __init__(self, engine: Engine, tables: ViewTables, catch_up: Callable[[], Any]):
        self.engine, self.tables, self.catch_up = engine, tables, catch_up

    def _events(self, volunteer_id: UUID | str, after: int = 0) -> list[dict[str, Any]]:
        t = self.tables.audit_log
        query = select(t.c.position, t.c.type, t.c.timestamp, t.c.data, t.c.content_sha256).where(
            t.c.aggregate_id == str(volunteer_id), t.c.aggregate_type == "Volunteer",
            t.c.type.in_(SERVICE_EVENTS), t.c.position > after).order_by(t.c.position)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def services_of(self, volunteer_id: UUID, since: datetime, until: datetime) -> list[dict[str, Any]]:
        self.catch_up()
        services: dict[str, dict[str, Any]] = {}
        for row in self._events(volunteer_id):
            order_id, data = str(row["data"]["order_id"]), row["data"]
            if row["type"] == CREDITED:
                services[order_id] = {"order_id": order_id, "credited_at": row["timestamp"]}
            elif order_id not in services:
                continue
            service = services[order_id]
            service.update(minutes=data.get("minutes", service.get("minutes")), position=row["position"],
                           basis=_basis(row["type"], data, service.get("basis", DECLARED)),
                           content_sha256=row["content_sha256"])
        counted = [s for s in services.values() if since <= s["credited_at"] < until]
        placed = self._placed([s["order_id"] for s in counted])
        return [{**s, **placed.get(s["order_id"], {"category": "", "site_id": ""})} for s in counted]

    def _placed(self, order_ids: list[str]) -> dict[str, dict[str, str]]:
        """Each order's category and site, from the order board (in one query per 500 orders)."""
        t, found = self.tables.order_board, {}
        with self.engine.connect() as conn:
            for start in range(0, len(order_ids), 500):
                query = select(t.c.id, t.c.category, t.c.site_id).where(t.c.id.in_(order_ids[start:start + 500]))
                found.update({r.id: {"category": r.category, "site_id": r.site_id} for r in conn.execute(query)})
        return found

    def changes_after(self, volunteer_id: UUID | str, order_ids: Collection[str], position: int
                      ) -> list[dict[str, Any]]:
        """Confirmations and corrections of these orders' services recorded after `position`, oldest first."""
        self.catch_up()
        return [{"position": r["position"], "type": r["type"], "at": r["timestamp"],
                 "order_id": str(r["data"]["order_id"])}
                for r in self._events(volunteer_id, after=position)
                if r["type"] in CHANGES and str(r["data"]["order_id"]) in order_ids]
