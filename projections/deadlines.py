"""Orders that may have passed a deadline, from order_board: the application's `DueOrders` port.

Placed orders past their dispatch deadline, dispatched ones past their accept deadline, completed ones
past their review window — each served by an index on status. The application decides on the aggregate
what is really due (an order already escalated for its missed dispatch deadline is returned but left alone).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import Engine, and_, or_, select

from domain.order import COMPLETED, DISPATCHED, PLACED
from projections.tables import ViewTables

PAGE = 500


class BoardDueOrders:
    def __init__(self, engine: Engine, tables: ViewTables):
        self.engine, self.board = engine, tables.order_board

    def due_order_ids(self, now: datetime, *, after: UUID | None = None, limit: int = PAGE) -> list[UUID]:
        t = self.board
        due = or_(and_(t.c.status == PLACED, t.c.dispatch_by < now),
                  and_(t.c.status == DISPATCHED, t.c.accept_by < now),
                  and_(t.c.status == COMPLETED, t.c.review_by < now))
        query = select(t.c.id).where(due)
        if after is not None:
            query = query.where(t.c.id > str(after))
        with self.engine.connect() as conn:
            ids = conn.execute(query.order_by(t.c.id).limit(limit)).scalars().all()
        return [UUID(i) for i in ids]
