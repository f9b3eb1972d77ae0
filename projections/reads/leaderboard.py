"""Incentives: a site's leaderboard (its volunteers and those of every site below it) over volunteer_roster."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, select

from projections import presenting
from projections.views.tables import ViewTables

MAX_LIMIT = 200


def subtree(conn: Connection, tree: Table, site_id: str) -> list[str]:
    """The site and every site below it, from site_tree (empty when the site is unknown)."""
    children: dict[str | None, list[str]] = {}
    for code, parent in conn.execute(select(tree.c.id, tree.c.parent_id)).tuples():
        children.setdefault(parent, []).append(code)
    known = {code for codes in children.values() for code in codes}
    found, frontier = [], [site_id] if site_id in known else []
    while frontier:
        code = frontier.pop()
        found.append(code)
        frontier.extend(children.get(code, []))
    return sorted(found)


def leaderboard_rows(conn: Connection, roster: Table, site_ids: Sequence[str], limit: int) -> list[dict[str, Any]]:
    """Most credited service first, then most completed orders, then the id (a stable order)."""
    query = select(roster.c.id, roster.c.name, roster.c.home_site_id, roster.c.service_minutes,
                   roster.c.completed_orders, roster.c.rating_count, roster.c.rating_total) \
        .where(roster.c.home_site_id.in_(list(site_ids))) \
        .order_by(roster.c.service_minutes.desc(), roster.c.completed_orders.desc(), roster.c.id) \
        .limit(max(1, min(limit, MAX_LIMIT)))
    return [presenting.leaderboard_entry(rank, row) for rank, row in enumerate(conn.execute(query).mappings(), start=1)]


def leaderboard(engine: Any, tables: ViewTables, site_id: str, limit: int = 10) -> list[dict[str, Any]]:
    """The top volunteers whose home is `site_id` or below it, with their stars (100/200/500/800/1000 h)."""
    with engine.connect() as conn:
        return leaderboard_rows(conn, tables.volunteer_roster, subtree(conn, tables.site_tree, site_id), limit)
