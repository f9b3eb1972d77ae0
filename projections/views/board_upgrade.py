"""Bring an order_board made by an earlier version up to date in place, when the tables are created (under
the same lock, in the same transaction): add the jurisdiction columns and fill them from the site tree, add
`updated_at` and fill it from the audit log (the time of the row's latest event), build the indexes it lacks,
drop the ones they replaced. No refold of the log is needed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, inspect, select, text, update
from sqlalchemy.schema import CreateIndex

from projections.views.index_names import index_names, neutral
from projections.views.jurisdiction import COLUMNS, ancestor_columns, read_parents

REPLACED_INDEXES = ("placed", "status_placed", "site_status", "responsible_status")


def upgrade_order_board(board: Table, site_tree: Table, audit_log: Table, conn: Connection) -> None:
    """Nothing to do for a board that is up to date (or that was just created)."""
    found = inspect(conn)
    if not found.has_table(board.name):
        return
    present = {column["name"] for column in found.get_columns(board.name)}
    for name in [name for name in (*COLUMNS, "updated_at") if name not in present]:
        column_type = board.c[name].type.compile(conn.dialect)
        conn.execute(text(f"ALTER TABLE {board.name} ADD COLUMN {name} {column_type}"))
    if not set(COLUMNS) <= present:
        _fill(board, site_tree, conn)
    if "updated_at" not in present:
        _fill_updated_at(board, audit_log, conn)
    # Compared by their generation-neutral names: after a blue/green rebuild on SQLite they may be `ix_next_…`.
    indexes = {neutral(name): name for name in index_names(conn, board.name)}
    for name in {f"ix_{board.name}_{suffix}" for suffix in REPLACED_INDEXES} & set(indexes):
        conn.execute(text(f"DROP INDEX {indexes[name]}"))
    for index in board.indexes:
        if index.name not in indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))


def _fill(board: Table, site_tree: Table, conn: Connection) -> None:
    parents = read_parents(conn, site_tree)
    sites = conn.execute(select(board.c.site_id).distinct()).scalars().all()
    if sites:
        params: list[dict[str, Any]] = [{"site": site, **{f"new_{k}": v for k, v in ancestor_columns(parents, site)
                                                          .items()}} for site in sites]
        conn.execute(update(board).where(board.c.site_id == bindparam("site"))
                     .values({name: bindparam(f"new_{name}") for name in COLUMNS}), params)


def _fill_updated_at(board: Table, audit_log: Table, conn: Connection) -> None:
    """The time of each row's latest event, from the audit log (every event, with its time) up to the row's
    version; where the audit log has none of them yet (a view behind the board), the latest of the lifecycle's
    own times on the row (each step comes after the one before it)."""
    latest = select(func.max(audit_log.c.timestamp)).where(
        audit_log.c.aggregate_id == board.c.id, audit_log.c.version <= board.c.version).scalar_subquery()
    conn.execute(update(board).values(updated_at=latest))
    lifecycle = func.coalesce(board.c.completed_at, board.c.started_at, board.c.accepted_at, board.c.dispatched_at,
                              board.c.placed_at)
    conn.execute(update(board).where(board.c.updated_at.is_(None)).values(updated_at=lifecycle))
