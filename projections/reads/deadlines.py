"""Orders that may have passed a deadline, from order_board: the application's `DueOrders` port.

Placed orders past their dispatch deadline and not escalated since, dispatched ones past their accept
deadline, completed ones past their review window — each served by an index on status. The application
still decides on the aggregate what is really due; skipping the placed orders already escalated for their
missed deadline (the same rule as `application.commands.supervision.escalated_since`) keeps a pass short when many
orders wait at a higher level.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, and_, or_, select

from domain.order import COMPLETED, DISPATCHED, PLACED
from projections.views.tables import ViewTables

PAGE = 500


def waits_for_escalation(row: Any) -> bool:
    """A placed order whose missed dispatch deadline has not been escalated yet (others are due by status)."""
    if row["status"] != PLACED:
        return True
    return not any(datetime.fromisoformat(step["at"]) > row["dispatch_by"] for step in row["escalations"])


class BoardDueOrders:
    def __init__(self, engine: Engine, tables: ViewTables):
        self.engine, self.board = engine, tables.order_board

    def due_order_ids(self, now: datetime, *, after: UUID | None = None, limit: int = PAGE) -> list[UUID]:
        found: list[UUID] = []
        last = None if after is None else str(after)
        while len(found) < limit:
            rows = self._page(now, last, limit)
            found += [UUID(row["id"]) for row in rows if waits_for_escalation(row)]
            if len(rows) < limit:
                break
            last = rows[-1]["id"]
        return found[:limit]

    def _page(self, now: datetime, after: str | None, limit: int) -> list[Any]:
        t = self.board
        due = or_(and_(t.c.status == PLACED, t.c.dispatch_by < now),
                  and_(t.c.status == DISPATCHED, t.c.accept_by < now),
                  and_(t.c.status == COMPLETED, t.c.review_by < now))
        query = select(t.c.id, t.c.status, t.c.dispatch_by, t.c.escalations).where(due)
        if after is not None:
            query = query.where(t.c.id > after)
        with self.engine.connect() as conn:
            return list(conn.execute(query.order_by(t.c.id).limit(limit)).mappings())
