"""Open311 GeoReport v2 reads over order_board: service requests by id, service code, date range and status.

Rows come back as presenting.order_row has them, plus the responsible site (after escalations) and the
latest time the board knows of; the interface masks and shapes them. Newest first, one page of at most
MAX_RESULTS: each filter is a range of an index read backwards (ix_order_board_*_newest, tables.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select

from domain.order import CANCELLED, CLOSED, COMPLETED, REVIEWED, STATUSES
from projections import presenting

MAX_RESULTS = 1000  # GeoReport v2: "may return a maximum of 1,000 results"
CLOSED_STATUSES = (COMPLETED, REVIEWED, CLOSED, CANCELLED)
OPEN_STATUSES = tuple(status for status in STATUSES if status not in CLOSED_STATUSES)
STATUSES_OF = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}
TIMES = ("placed_at", "dispatched_at", "accepted_at", "started_at", "completed_at")


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


def service_requests(conn: Connection, t: Table, wanted: RequestFilter, now: datetime) -> list[dict[str, Any]]:
    size = max(1, min(wanted.page_size, MAX_RESULTS))
    query = select(t).where(*_clauses(t, wanted)).order_by(t.c.placed_at.desc(), t.c.id.desc())
    query = query.limit(size).offset((max(wanted.page, 1) - 1) * size)
    return [_request_row(dict(row), now) for row in conn.execute(query).mappings()]


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


def _request_row(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    times = [row[name] for name in TIMES if row[name] is not None]
    times += [datetime.fromisoformat(step["at"]) for step in row["escalations"]]
    return {**presenting.order_row(row, now), "responsible_site_id": row["responsible_site_id"],
            "updated_at": max(times)}
