"""Folding events into rows keyed by id: load the rows a batch touches once, fold in memory, write back."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, select

from projections.views.bulk import insert_rows, update_rows
from projections.views.runner import Item

Row = dict[str, Any]
Fold = Callable[[Row | None, Any], Row]


def handler_for(handlers: dict[type, Fold], event_class: type) -> Fold | None:
    """The fold for an event class, or for its nearest base class (Declined is an Undispatched)."""
    for cls in event_class.__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


def fold_rows(conn: Connection, table: Table, items: Sequence[Item], handlers: dict[type, Fold],
              key: Callable[[Any], str] = lambda event: str(event.originator_id)) -> None:
    """Apply the handled events of `items` to the rows of `table` (primary key `id`)."""
    work = [(key(item.event), fold, item.event) for item in items
            if (fold := handler_for(handlers, type(item.event))) is not None]
    if not work:
        return
    keys = {k for k, _, _ in work}
    rows: dict[str, Row] = {r["id"]: dict(r) for r in conn.execute(select(table).where(table.c.id.in_(keys)))
                            .mappings()}
    existing = set(rows)
    for k, fold, event in work:
        rows[k] = fold(rows.get(k), event)
    write_rows(conn, table, [rows[k] for k in keys - existing], [rows[k] for k in keys & existing])


def write_rows(conn: Connection, table: Table, new: list[Row], changed: list[Row]) -> None:
    """Each row the page touched written once: the new ones inserted, the others updated (bulk.py)."""
    insert_rows(conn, table, new)
    update_rows(conn, table, changed)


def fold_in_memory(events: Sequence[Any], handlers: dict[type, Fold]) -> Row | None:
    """The same folds, without a database: the state of one row after `events` (used by replay)."""
    row: Row | None = None
    for event in events:
        fold = handler_for(handlers, type(event))
        if fold is not None:
            row = fold(row, event)
    return row
