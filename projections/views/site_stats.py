"""site_stats: per site, counts by status, service minutes, ratings and stage timings, rolled up
center ← station ← post (a site's row covers its own orders and those of every site below it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from domain.order import STATUS_AFTER, Order, status_after
from domain.site import Site
from projections.views.rows import Row, write_rows
from projections.views.runner import Item
from projections.views.tables import STATUS_COLUMNS, SUM_COLUMNS, ViewTables


def _seconds(later: datetime, earlier: datetime | None) -> int:
    return int((later - earlier).total_seconds()) if earlier is not None else 0


Delta = list[tuple[str, int]]


def _step(row: Row | None, e: Any) -> tuple[Row, Delta]:
    """The order's new tracking row, and what it adds to its site's numbers (column, amount)."""
    if row is None:
        placed = status_after(type(e))
        return ({"id": str(e.originator_id), "site_id": e.site_id, "status": placed, "placed_at": e.timestamp,
                 "dispatched_at": None, "accepted_at": None, "was_dispatched": False}, [(placed, 1)])
    status = status_after(type(e), row["status"])
    delta = [(row["status"], -1), (status, 1)]
    row = {**row, "status": status}
    if isinstance(e, Order.Dispatched):
        if not row["was_dispatched"]:  # time to dispatch counts the first dispatch only
            delta += [("dispatch_seconds", _seconds(e.timestamp, row["placed_at"])), ("dispatch_count", 1)]
        row.update(was_dispatched=True, dispatched_at=e.timestamp)
    elif isinstance(e, Order.Accepted):
        delta += [("accept_seconds", _seconds(e.timestamp, row["dispatched_at"])), ("accept_count", 1)]
        row.update(accepted_at=e.timestamp)
    elif isinstance(e, Order.ServiceCompleted):
        delta += [("complete_seconds", _seconds(e.timestamp, row["accepted_at"])), ("complete_count", 1),
                  ("service_minutes", e.service_minutes)]
    elif isinstance(e, Order.Reviewed):
        delta += [("rating_count", 1), ("rating_total", e.rating)]
    return row, delta


class SiteStats:
    name = "site_stats"

    def __init__(self, tables: ViewTables):
        self.tree, self.orders, self.stats = tables.site_tree, tables.site_orders, tables.site_stats

    def apply(self, conn: Connection, items: Sequence[Item]) -> None:
        sites = [i.event for i in items if isinstance(i.event, Site.Registered)]
        if sites:
            conn.execute(self.tree.insert(), [{"id": s.code, "parent_id": s.parent_code, "level": s.level}
                                              for s in sites])
        # the events that move an order from one status to another (the domain's table says which)
        events = [i.event for i in items if STATUS_AFTER.get(type(i.event)) is not None]
        if events:
            self._count(conn, events)

    def _count(self, conn: Connection, events: list[Any]) -> None:
        keyed = [(str(e.originator_id), e) for e in events]
        keys = {key for key, _ in keyed}
        rows = {r["id"]: dict(r) for r in conn.execute(select(self.orders).where(self.orders.c.id.in_(keys)))
                .mappings()}
        existing, deltas = set(rows), dict[tuple[str, str], int]()
        for key, e in keyed:
            rows[key], delta = _step(rows.get(key), e)
            site = rows[key]["site_id"]
            for column, amount in delta:
                deltas[(site, column)] = deltas.get((site, column), 0) + amount
        write_rows(conn, self.orders, [rows[k] for k in keys - existing], [rows[k] for k in keys & existing])
        self._add(conn, deltas)

    def _add(self, conn: Connection, deltas: dict[tuple[str, str], int]) -> None:
        """Add each site's numbers to the site and to every site above it: one UPDATE per site, each column it
        moves in one statement (a page's columns × sites would be a statement apiece)."""
        tree = dict(conn.execute(select(self.tree.c.id, self.tree.c.parent_id)).tuples().all())
        rolled: dict[str, dict[str, int]] = {}
        for (site, column), amount in deltas.items():
            while site is not None:
                by_column = rolled.setdefault(site, {})
                by_column[column] = by_column.get(column, 0) + amount
                site = tree.get(site)
        self._ensure_rows(conn, set(rolled))
        columns = sorted({column for by_column in rolled.values() for column, n in by_column.items() if n})
        params = [{"s": site, **{f"d_{c}": by_column.get(c, 0) for c in columns}}
                  for site, by_column in rolled.items() if any(by_column.values())]
        if params:
            conn.execute(update(self.stats).where(self.stats.c.site_id == bindparam("s"))
                         .values({c: self.stats.c[c] + bindparam(f"d_{c}") for c in columns}), params)

    def _ensure_rows(self, conn: Connection, sites: set[str]) -> None:
        present = set(conn.execute(select(self.stats.c.site_id).where(self.stats.c.site_id.in_(sites))).scalars())
        levels = dict(conn.execute(select(self.tree.c.id, self.tree.c.level)).tuples().all())
        zeros = dict.fromkeys((*STATUS_COLUMNS, *SUM_COLUMNS), 0)
        missing = [{"site_id": s, "level": levels.get(s, "unknown"), **zeros} for s in sites - present]
        if missing:
            conn.execute(self.stats.insert(), missing)

