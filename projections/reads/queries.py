"""The list queries of the read side: filters that the indexes serve, newest first, keyset cursors."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, Text, and_, cast, false, or_, literal, select, tuple_, union_all

from domain.order import DEADLINE_IN_STATUS
from projections import presenting
from projections.views.jurisdiction import jurisdiction_clause, read_parents

MAX_LIMIT = 200


class InvalidCursor(ValueError):
    def __init__(self) -> None:
        super().__init__("the cursor is not one this service issued")


class Cursors:
    """Keyset cursors sealed with an HMAC: a cursor this service never issued (forged, edited, or holding a
    value no column can take) is refused before it reaches a query."""

    def __init__(self, key: bytes):
        self._key = key

    def encode(self, *values: Any) -> str:
        payload = _b64(json.dumps(values).encode())
        return f"{payload}.{self._mac(payload)}"

    def decode(self, cursor: str, size: int) -> list[Any]:
        payload = self.check(cursor)
        values = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if not isinstance(values, list) or len(values) != size:
            raise InvalidCursor()  # issued, but for another list
        return values

    def check(self, cursor: str) -> str:
        """The cursor's payload, if this service sealed it."""
        payload, _, mac = cursor.rpartition(".")
        if not payload or not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            raise InvalidCursor()
        return payload

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest()[:16])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def overdue_clause(t: Table, now: datetime) -> Any:
    """Overdue in SQL, built from the domain's DEADLINE_IN_STATUS (as Order.is_overdue is): one term per
    deadline, for the statuses it applies in. Never NULL, so that `not overdue` works too."""
    statuses_by_deadline: dict[str, list[str]] = {}
    for status, deadline in DEADLINE_IN_STATUS.items():
        statuses_by_deadline.setdefault(deadline, []).append(status)
    return or_(*(and_(_status_among(t, statuses), t.c[deadline].is_not(None), t.c[deadline] < now)
                 for deadline, statuses in statuses_by_deadline.items()))


def _status_among(t: Table, statuses: list[str]) -> Any:
    return t.c.status == statuses[0] if len(statuses) == 1 else t.c.status.in_(statuses)


def _order_filters(t: Table, f: dict[str, Any], now: datetime) -> list[Any]:
    clauses: list[Any] = []
    if f.get("status") is not None:
        clauses.append(t.c.status == f["status"])
    for name in ("category", "channel"):
        if f.get(name) is not None:
            clauses.append(t.c[name] == f[name])
    people = _people_clause(t, f.get("volunteer_id"), f.get("team_ids"))
    if people is not None:
        clauses.append(people)
    if f.get("placed_after") is not None:
        clauses.append(t.c.placed_at >= f["placed_after"])
    if f.get("placed_before") is not None:
        clauses.append(t.c.placed_at < f["placed_before"])
    if f.get("overdue") is not None:
        clauses.append(overdue_clause(t, now) if f["overdue"] else ~overdue_clause(t, now))
    return clauses


def _people_clause(t: Table, volunteer_id: Any, team_ids: Sequence[Any] | None) -> Any:
    """Orders assigned to or accepted by the volunteer, or assigned to one of the teams."""
    if volunteer_id is None and team_ids is None:
        return None
    parts = [false()]
    if volunteer_id is not None:
        parts += [t.c.assignee_volunteer_id == str(volunteer_id), t.c.accepted_by == str(volunteer_id)]
    if team_ids:
        parts.append(t.c.assignee_team_id.in_([str(team) for team in team_ids]))
    return or_(*parts)


def list_orders(conn: Connection, t: Table, cursors: Cursors, *, now: datetime, cursor: str | None, limit: int,
                jurisdiction: str | None = None, site_tree: Table | None = None, site_ids: Sequence[str] | None = None,
                **filters: Any) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first. `jurisdiction`: only the orders of that site and the sites below it (read from
    `site_tree`), the filter that one index range serves (jurisdiction.py). `site_ids`: the orders at one of
    these sites or escalated to one of them."""
    limit = clamp(limit)
    clauses = _order_filters(t, filters, now)
    if jurisdiction is not None:
        assert site_tree is not None, "a jurisdiction needs the site tree"
        clauses.append(jurisdiction_clause(t, read_parents(conn, site_tree), jurisdiction))
    if cursor is not None:
        at_text, last_id = cursors.decode(cursor, 2)
        # One row-value comparison (not an OR), so that the index range starts at the cursor.
        after = tuple_(literal(datetime.fromisoformat(at_text), t.c.placed_at.type), literal(last_id, t.c.id.type))
        clauses.append(tuple_(t.c.placed_at, t.c.id) < after)
    parts = [[]] if site_ids is None else [[part] for part in _at_or_escalated_to(t, list(site_ids))]
    rows = _newest_first(conn, t, [[*clauses, *part] for part in parts], limit + 1)
    items = [presenting.order_row(row, now) for row in rows[:limit]]
    more = len(rows) > limit
    return items, cursors.encode(rows[limit - 1]["placed_at"].isoformat(), rows[limit - 1]["id"]) if more else None


def _at_or_escalated_to(t: Table, sites: list[str]) -> list[Any]:
    """"Site or responsible site among `sites`" as two parts that never overlap, each one index range: the
    orders at the sites, and the orders escalated to them from elsewhere (ix_order_board_escalated_*)."""
    if not sites:
        return [false()]
    at = t.c.site_id == sites[0] if len(sites) == 1 else t.c.site_id.in_(sites)
    responsible = t.c.responsible_site_id == sites[0] if len(sites) == 1 else t.c.responsible_site_id.in_(sites)
    return [at, and_(t.c.responsible_site_id != t.c.site_id, responsible, ~at)]


def _newest_first(conn: Connection, t: Table, parts: list[list[Any]], count: int) -> list[dict[str, Any]]:
    """The first `count` rows, newest first, of the union of the parts (each read newest first, then merged)."""
    pages = [select(t).where(*where).order_by(t.c.placed_at.desc(), t.c.id.desc()).limit(count) for where in parts]
    if len(pages) == 1:
        return [dict(row) for row in conn.execute(pages[0]).mappings()]
    both = union_all(*(select(page.subquery()) for page in pages)).subquery()
    query = select(both).order_by(both.c.placed_at.desc(), both.c.id.desc()).limit(count)
    return [dict(row) for row in conn.execute(query).mappings()]


def list_volunteers(conn: Connection, t: Table, cursors: Cursors, *, site_ids: Sequence[str] | None,
                    skill: str | None, available: bool | None, cursor: str | None, limit: int,
                    name: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """`name`: only volunteers whose name contains it (the caller's % and _ match themselves)."""
    limit = clamp(limit)
    query: Select[Any] = select(t)
    if name:
        query = query.where(t.c.name.contains(name, autoescape=True))
    if site_ids is not None:
        query = query.where(t.c.home_site_id.in_(list(site_ids)))
    if available is not None:
        query = query.where(t.c.available == available)
    if skill is not None:
        # skills are stored as a sorted JSON list of codes: the quoted code, with the caller's % and _ escaped,
        # matches one whole element and nothing else
        query = query.where(cast(t.c.skills, Text).contains(json.dumps(skill), autoescape=True))
    if cursor is not None:
        query = query.where(t.c.id > cursors.decode(cursor, 1)[0])
    rows = _page(conn, query.order_by(t.c.id), limit)
    more = len(rows) > limit
    return [presenting.volunteer_row(r) for r in rows[:limit]], cursors.encode(rows[limit - 1]["id"]) if more else None


def clamp(limit: int) -> int:
    return max(1, min(limit, MAX_LIMIT))


def _page(conn: Connection, query: Select[Any], limit: int) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(query.limit(limit + 1)).mappings()]
