"""The dispatcher's queue: a jurisdiction's open orders, escalated first, then by the deadline that applies now
(so the overdue come first), with keyset paging. The order is views/queue_order.py's, which the board's partial
indexes follow, so a page is one index range however many orders the board holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Integer, Table, literal, select, tuple_

from projections import presenting
from projections.reads.queries import Cursors, clamp
from projections.views.jurisdiction import jurisdiction_clause, read_parents
from projections.views.queue_order import due_at, escalated_rank, is_open, queue_key


def list_queue(conn: Connection, t: Table, site_tree: Table, cursors: Cursors, *, jurisdiction: str, now: datetime,
               cursor: str | None = None, limit: int = 50, status: str | None = None,
               category: str | None = None, site_ids: Sequence[str] | None = None,
               placed_after: datetime | None = None, placed_before: datetime | None = None
               ) -> tuple[list[dict[str, Any]], str | None]:
    limit = clamp(limit)
    clauses = [is_open(t), jurisdiction_clause(t, read_parents(conn, site_tree), jurisdiction),
               *_filters(t, status=status, category=category, site_ids=site_ids, placed_after=placed_after,
                         placed_before=placed_before)]
    if cursor is not None:
        clauses.append(tuple_(*queue_key(t)) > _after(t, cursors, cursor))
    query = select(t, escalated_rank(t).label("queue_rank"), due_at(t).label("queue_due")).where(*clauses)
    rows = [dict(r) for r in conn.execute(query.order_by(*queue_key(t)).limit(limit + 1)).mappings()]
    items = [presenting.order_row(row, now) for row in rows[:limit]]
    if len(rows) <= limit:
        return items, None
    last = rows[limit - 1]
    return items, cursors.encode(last["queue_rank"], _iso(last["queue_due"]), last["id"])


def _filters(t: Table, *, status: str | None, category: str | None, site_ids: Sequence[str] | None,
             placed_after: datetime | None, placed_before: datetime | None) -> list[Any]:
    clauses = []
    if status is not None:
        clauses.append(t.c.status == status)
    if category is not None:
        clauses.append(t.c.category == category)
    if site_ids is not None:
        clauses.append(t.c.site_id.in_(list(site_ids)))
    if placed_after is not None:
        clauses.append(t.c.placed_at >= placed_after)
    if placed_before is not None:
        clauses.append(t.c.placed_at < placed_before)
    return clauses


def _after(t: Table, cursors: Cursors, cursor: str) -> Any:
    """The queue key of the last row of the previous page, from its (signed) cursor."""
    rank, due_text, last_id = cursors.decode(cursor, 3)
    return tuple_(literal(int(rank), Integer()), literal(datetime.fromisoformat(due_text), t.c.placed_at.type),
                  literal(last_id, t.c.id.type))


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
