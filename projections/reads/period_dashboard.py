"""The console's dashboards: a site alone, or rolled up with every site below it, over the orders placed in a
date range — orders per week by status, time to dispatch / accept / complete (median, p90, as in dashboard.py),
satisfaction, participation, overdue (at `now`) and escalated.

Participation here is the share of the sites' registered volunteers who accepted an order placed in the range.
Weeks start on Monday (ISO weeks, in UTC); the first and last weeks are cut to the range.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Connection, func, select

from domain.order import STATUSES
from projections.reads.dashboard import STAGES, share, spread
from projections.reads.leaderboard import subtree
from projections.reads.queries import overdue_clause
from projections.views.tables import ViewTables

WEEK = timedelta(days=7)
TIMED = ("placed_at", "dispatched_at", "accepted_at", "completed_at")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.utc)


def week_starts(first: date, last: date) -> list[date]:
    """The Mondays of the weeks from `first` to `last` (inclusive)."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += WEEK
    return weeks


class PeriodDashboard:
    def __init__(self, engine: Any, tables: ViewTables):
        self.engine, self.tables = engine, tables

    def sites_of(self, conn: Connection, site_id: str, rolled_up: bool) -> list[str]:
        known = subtree(conn, self.tables.site_tree, site_id)
        return known if rolled_up else [site_id] if known else []

    def report(self, site_id: str, *, first: date, last: date, rolled_up: bool, now: datetime
               ) -> dict[str, Any] | None:
        """None when the site is unknown. `first`..`last`: the days of placement (inclusive)."""
        with self.engine.connect() as conn:
            sites = self.sites_of(conn, site_id, rolled_up)
            if not sites:
                return None
            t = self.tables.order_board
            placed = (t.c.site_id.in_(sites), t.c.placed_at >= day_start(first),
                      t.c.placed_at < day_start(last + timedelta(days=1)))
            rows = conn.execute(select(t.c.status, *(t.c[name] for name in TIMED)).where(*placed)).mappings().all()
            return {"site_id": site_id, "rolled_up": rolled_up, "sites": len(sites), "first": first, "last": last,
                    "total": len(rows), "weeks": weekly_counts(rows, first, last),
                    "timings": timings(rows), "satisfaction": self._satisfaction(conn, placed),
                    "participation": self._participation(conn, sites, placed),
                    "overdue": self._count(conn, *placed, overdue_clause(t, now)),
                    "escalated": self._count(conn, *placed, t.c.responsible_site_id != t.c.site_id)}

    def _count(self, conn: Connection, *where: Any) -> int:
        return conn.execute(select(func.count()).select_from(self.tables.order_board).where(*where)).scalar_one()

    def _satisfaction(self, conn: Connection, placed: tuple[Any, ...]) -> dict[str, Any]:
        t = self.tables.order_board
        reviews, good = conn.execute(select(func.count(), func.count().filter(t.c.rating >= 4))
                                     .where(*placed, t.c.rating.is_not(None))).one()
        return {"reviews": reviews, "rated_4_or_more": good, "share": share(good, reviews)}

    def _participation(self, conn: Connection, sites: list[str], placed: tuple[Any, ...]) -> dict[str, Any]:
        r, t = self.tables.volunteer_roster, self.tables.order_board
        home = r.c.home_site_id.in_(sites)
        acted = select(t.c.accepted_by).where(*placed, t.c.accepted_by.is_not(None))
        registered = conn.execute(select(func.count()).where(home)).scalar_one()
        active = conn.execute(select(func.count()).where(home, r.c.id.in_(acted))).scalar_one()
        return {"registered": registered, "active": active, "share": share(active, registered)}


def weekly_counts(rows: Any, first: date, last: date) -> list[dict[str, Any]]:
    weeks = {monday: dict.fromkeys(STATUSES, 0) for monday in week_starts(first, last)}
    for row in rows:
        day = row["placed_at"].astimezone(timezone.utc).date()
        weeks[day - timedelta(days=day.weekday())][row["status"]] += 1
    return [{"week": monday, "counts": counts, "total": sum(counts.values())} for monday, counts in weeks.items()]


def timings(rows: Any) -> dict[str, Any]:
    return {stage: spread([(row[end] - row[start]).total_seconds() / 60 for row in rows
                           if row[start] is not None and row[end] is not None])
            for stage, start, end in STAGES}
