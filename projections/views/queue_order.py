"""The order of a dispatcher's queue, as SQL expressions shared by the board's indexes (tables.py) and the
queue's query (reads/queue.py): escalated orders first, then by the deadline of the order's present stage.

Every constant is written inline (literal_column), not bound: SQLite and PostgreSQL use an index on an
expression, or a partial index, only when the query spells the same expression, constants included.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, Table, case, literal_column
from sqlalchemy.sql.elements import Grouping

from domain.order import DEADLINE_IN_STATUS

OPEN_STATUSES = tuple(DEADLINE_IN_STATUS)  # the statuses that have a deadline: the ones a dispatcher works on


def _text(value: str) -> Any:
    assert value.replace("_", "").isalpha(), value  # a status name, safe to write inline
    return literal_column(f"'{value}'")


def is_open(t: Table) -> Any:
    return t.c.status.in_([_text(status) for status in OPEN_STATUSES])


def escalated_rank(t: Table) -> Any:
    """0 for an order escalated away from its own site, 1 otherwise."""
    return case((t.c.responsible_site_id != t.c.site_id, literal_column("0")), else_=literal_column("1"))


def due_at(t: Table) -> Any:
    """The deadline of the order's present stage (never NULL for an open order)."""
    return case(*((t.c.status == _text(status), t.c[deadline]) for status, deadline in DEADLINE_IN_STATUS.items()))


def queue_key(t: Table) -> list[Any]:
    return [escalated_rank(t), due_at(t), t.c.id]


def queue_indexes(t: Table, jurisdiction_columns: tuple[str, ...]) -> list[Index]:
    """One partial index (open orders only) per column a jurisdiction is filtered by, in the queue's order."""
    key = [Grouping(escalated_rank(t)), Grouping(due_at(t)), t.c.id]  # PostgreSQL: an expression goes in ()
    return [Index(f"ix_{t.name}_{column}_queue", t.c[column], *key, sqlite_where=is_open(t),
                  postgresql_where=is_open(t)) for column in jurisdiction_columns]
