"""Bring an order_board made before the jurisdiction columns up to date in place, when the tables are
created (under the same lock, in the same transaction): add the columns, fill them from the site tree,
add the newest-first indexes and drop the ones they replace. No refold of the log is needed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, bindparam, inspect, select, text, update

from projections.jurisdiction import COLUMNS, ancestor_columns, read_parents

REPLACED_INDEXES = ("placed", "status_placed", "site_status")  # their columns lead the newer indexes


def upgrade_order_board(board: Table, site_tree: Table, conn: Connection) -> None:
    """Nothing to do for a board that has the columns (or that was just created with them)."""
    if not inspect(conn).has_table(board.name):
        return
    present = {column["name"] for column in inspect(conn).get_columns(board.name)}
    missing = [name for name in COLUMNS if name not in present]
    if not missing:
        return
    for name in missing:
        column_type = board.c[name].type.compile(conn.dialect)
        conn.execute(text(f"ALTER TABLE {board.name} ADD COLUMN {name} {column_type}"))
    _fill(board, site_tree, conn)
    for suffix in REPLACED_INDEXES:
        conn.execute(text(f"DROP INDEX IF EXISTS ix_{board.name}_{suffix}"))
    for index in board.indexes:
        index.create(conn, checkfirst=True)


def _fill(board: Table, site_tree: Table, conn: Connection) -> None:
    parents = read_parents(conn, site_tree)
    sites = conn.execute(select(board.c.site_id).distinct()).scalars().all()
    if sites:
        params: list[dict[str, Any]] = [{"site": site, **{f"new_{k}": v for k, v in ancestor_columns(parents, site)
                                                          .items()}} for site in sites]
        conn.execute(update(board).where(board.c.site_id == bindparam("site"))
                     .values({name: bindparam(f"new_{name}") for name in COLUMNS}), params)
