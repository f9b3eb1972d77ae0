"""Open311 GeoReport v2 reads over order_board: service requests by id, service code, date range and status.

Only the columns a service request shows are read (never the resident, the channel or who is assigned: no
personal data leaves the board this way), with the deadline of the order's status picked in SQL, and the time
of the latest event (`updated_at`, kept by the board). Newest first, one page of at most MAX_RESULTS: each
filter is a range of an index read backwards (ix_order_board_*_newest, tables.py). The page's timelines are one
query on the audit log (`timelines`), not one per order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, case, select, type_coerce

from domain.order import CANCELLED, CLOSED, COMPLETED, DEADLINE_IN_STATUS, REVIEWED, STATUSES, overdue
from projections.views.db import UTCDateTime

MAX_RESULTS = 1000  # GeoReport v2: "may return a maximum of 1,000 results"
CLOSED_STATUSES = (COMPLETED, REVIEWED, CLOSED, CANCELLED)
OPEN_STATUSES = tuple(status for status in STATUSES if status not in CLOSED_STATUSES)
STATUSES_OF = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}
DEADLINE_NAMES = frozenset(DEADLINE_IN_STATUS.values())
SHOWN = ("id", "status", "category", "site_id", "responsible_site_id", "description", "priority", "placed_at",
         "updated_at")


@dataclass(frozen=True)
class RequestFilter:
    """`ids` overrides every other filter, as the specification has it."""

    ids: Sequence[str] = ()
    service_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: Sequence[str] = ()  # "open", "closed"
    page: int = 1
    page_size: int = MAX_RESULTS


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def service_requests(conn: Connection, t: Table, wanted: RequestFilter, now: datetime, extended: bool = False
                     ) -> list[dict[str, Any]]:
    """Rows of SHOWN, plus `expected_at` (the deadline of the status, if any) and `overdue` at `now`; with
    `extended`, the escalations too (a JSON column: decoded only when shown)."""
    size = max(1, min(wanted.page_size, MAX_RESULTS))
    columns = [*(t.c[name] for name in SHOWN), _deadline(t).label("expected_at"),
               *((t.c.escalations,) if extended else ())]
    query = select(*columns).where(*_clauses(t, wanted)).order_by(t.c.placed_at.desc(), t.c.id.desc())
    query = query.limit(size).offset((max(wanted.page, 1) - 1) * size)
    result = conn.execute(query)
    names = tuple(result.keys())
    rows = [dict(zip(names, row)) for row in result]
    for row in rows:  # the deadline that applies, under whichever name the status gives it
        row["overdue"] = overdue(row["status"], dict.fromkeys(DEADLINE_NAMES, row["expected_at"]), now)
    return rows


def timelines(conn: Connection, audit_log: Table, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The events of these orders (type and time, never their data or actor), in order, by order id: one query."""
    found: dict[str, list[dict[str, Any]]] = {order_id: [] for order_id in ids}
    if ids:
        t = audit_log
        query = select(t.c.aggregate_id, t.c.type, t.c.timestamp).where(t.c.aggregate_id.in_(list(ids))) \
            .order_by(t.c.aggregate_id, t.c.version)
        for aggregate_id, event_type, timestamp in conn.execute(query):
            found[aggregate_id].append({"type": event_type, "timestamp": timestamp})
    return found


def _deadline(t: Table) -> Any:
    """The deadline that applies in the row's status (domain.order.DEADLINE_IN_STATUS), one column read."""
    by_column: dict[str, list[str]] = {}
    for status, name in DEADLINE_IN_STATUS.items():
        by_column.setdefault(name, []).append(status)
    whens = [(t.c.status.in_(statuses), t.c[name]) for name, statuses in by_column.items()]
    return type_coerce(case(*whens, else_=None), UTCDateTime)


def _clauses(t: Table, wanted: RequestFilter) -> list[Any]:
    if wanted.ids:
        return [t.c.id.in_(list(wanted.ids))]
    clauses: list[Any] = []
    if wanted.service_codes:
        clauses.append(_one_of(t.c.category, wanted.service_codes))
    if wanted.start is not None:
        clauses.append(t.c.placed_at >= wanted.start)
    if wanted.end is not None:
        clauses.append(t.c.placed_at <= wanted.end)
    statuses = sorted({status for name in wanted.statuses for status in STATUSES_OF[name]})
    if statuses and len(statuses) < len(STATUSES):
        clauses.append(_one_of(t.c.status, statuses))
    return clauses


def _one_of(column: Any, values: Sequence[str]) -> Any:
    return column == values[0] if len(values) == 1 else column.in_(list(values))
