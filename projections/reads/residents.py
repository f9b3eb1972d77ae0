"""Which orders a resident's key sealed, from order_board: the application's `ResidentOrders` port.

A sealed field names its resident (`cf1:<resident id>:…`, application/residents.py), so the board's resident
column is searched for that prefix. It reads the whole board (no index on it): a data request or an erasure is
a rare act of an administrator, and this keeps the write path free of any bookkeeping of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from uuid import UUID

from sqlalchemy import Engine, Text, cast, select

from projections.views.tables import ViewTables

RESIDENT_ID = re.compile(r"^[0-9a-f]{32}$")


class BoardResidentOrders:
    def __init__(self, engine: Engine, tables: ViewTables, catch_up: Callable[[], object]):
        self.engine, self.board, self.catch_up = engine, tables.order_board, catch_up

    def orders_sealed_for(self, resident_id: str) -> list[tuple[UUID, str]]:
        if not RESIDENT_ID.match(resident_id):  # hex only: nothing of it can act as a LIKE wildcard
            return []
        self.catch_up()  # an order placed a moment ago is found too
        b = self.board
        query = select(b.c.id, b.c.channel).where(cast(b.c.resident, Text).like(f'%"cf1:{resident_id}:%'))
        with self.engine.connect() as conn:
            return [(UUID(row.id), row.channel) for row in conn.execute(query.order_by(b.c.placed_at, b.c.id))]
