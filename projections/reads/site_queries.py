"""Reading site_stats: one site's rolled-up numbers, with the overdue count of its whole subtree at `now`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from projections import presenting
from projections.reads.queries import overdue_clause
from projections.views.tables import STATUS_COLUMNS, SUM_COLUMNS, ViewTables


def subtree(tree: dict[str, str | None], root: str) -> list[str]:
    """The site and every site below it."""
    def within(site: str | None) -> bool:
        while site is not None:
            if site == root:
                return True
            site = tree.get(site)
        return False

    return [site for site in tree if within(site)]


def site_summary(conn: Connection, tables: ViewTables, site_id: str, now: datetime | None) -> dict[str, Any] | None:
    """None for an unknown site; zeros for a site without orders."""
    tree_rows = conn.execute(select(tables.site_tree.c.id, tables.site_tree.c.parent_id,
                                    tables.site_tree.c.level)).all()
    levels = {r.id: r.level for r in tree_rows}
    if site_id not in levels:
        return None
    row = conn.execute(select(tables.site_stats).where(tables.site_stats.c.site_id == site_id)).mappings().first()
    zeros = {"site_id": site_id, "level": levels[site_id], **dict.fromkeys((*STATUS_COLUMNS, *SUM_COLUMNS), 0)}
    summary = presenting.site_stats_row(dict(row) if row else zeros)
    if now is not None:
        board = tables.order_board
        sites = subtree({r.id: r.parent_id for r in tree_rows}, site_id)
        summary["overdue"] = conn.execute(select(func.count()).select_from(board).where(
            board.c.site_id.in_(sites), overdue_clause(board, now))).scalar_one()
    return summary
