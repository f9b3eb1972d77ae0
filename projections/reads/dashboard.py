"""Site dashboards (GET /api/v1/sites/{id}/stats): a site and everything below it, over the view rows.

Timings are in minutes: to dispatch = last dispatch − placement, to accept = acceptance − that dispatch,
to complete = completion − acceptance; the median is the middle value (mean of the two middle ones), the
90th percentile the nearest rank (⌈0.9·n⌉-th smallest). Satisfaction is the share of reviews rated 4 or 5;
participation the share of the subtree's registered volunteers who accepted or completed an order in the
last 30 days; overdue as `Order.is_overdue` at `now`; escalated = orders now answered by a higher site.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from domain.order import STATUSES
from projections.reads.leaderboard import subtree
from projections.reads.queries import overdue_clause
from projections.views.tables import ViewTables

ACTIVE_SPAN = timedelta(days=30)
STAGES = (("to_dispatch", "placed_at", "dispatched_at"), ("to_accept", "dispatched_at", "accepted_at"),
          ("to_complete", "accepted_at", "completed_at"))


class UnknownSite(LookupError):
    pass


def spread(minutes: Sequence[float]) -> dict[str, Any]:
    if not minutes:
        return {"count": 0, "median_minutes": None, "p90_minutes": None}
    ordered = sorted(minutes)
    p90 = ordered[max(1, math.ceil(0.9 * len(ordered))) - 1]
    return {"count": len(ordered), "median_minutes": round(statistics.median(ordered), 1),
            "p90_minutes": round(p90, 1)}


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


class SiteDashboard:
    def __init__(self, engine: Any, tables: ViewTables):
        self.engine, self.tables = engine, tables
        self.board, self.roster = tables.order_board, tables.volunteer_roster

    def stats(self, site_id: str, *, now: datetime) -> dict[str, Any]:
        with self.engine.connect() as conn:
            sites = subtree(conn, self.tables.site_tree, site_id)
            if not sites:
                raise UnknownSite(site_id)
            return {"site_id": site_id, "sites": len(sites), **self._orders(conn, sites, now),
                    "timings": self._timings(conn, sites), "satisfaction": self._satisfaction(conn, sites),
                    "participation": self._participation(conn, sites, now)}

    def _orders(self, conn: Connection, sites: list[str], now: datetime) -> dict[str, Any]:
        t = self.board
        mine = t.c.site_id.in_(sites)
        counts = dict.fromkeys(STATUSES, 0)
        counts.update(conn.execute(select(t.c.status, func.count()).where(mine).group_by(t.c.status)).tuples().all())
        overdue = conn.execute(select(func.count()).where(mine, overdue_clause(t, now))).scalar_one()
        escalated = conn.execute(select(func.count()).where(mine, t.c.responsible_site_id != t.c.site_id)
                                 ).scalar_one()
        return {"counts": counts, "total": sum(counts.values()), "overdue": overdue, "escalated": escalated}

    def _timings(self, conn: Connection, sites: list[str]) -> dict[str, Any]:
        t = self.board
        columns = [t.c.placed_at, t.c.dispatched_at, t.c.accepted_at, t.c.completed_at]
        rows = conn.execute(select(*columns).where(t.c.site_id.in_(sites), t.c.dispatched_at.is_not(None))
                            ).mappings().all()
        return {stage: spread([(r[end] - r[start]).total_seconds() / 60 for r in rows
                               if r[start] is not None and r[end] is not None])
                for stage, start, end in STAGES}

    def _satisfaction(self, conn: Connection, sites: list[str]) -> dict[str, Any]:
        t = self.board
        rated = select(func.count(), func.count().filter(t.c.rating >= 4)) \
            .where(t.c.site_id.in_(sites), t.c.rating.is_not(None))
        reviews, good = conn.execute(rated).one()
        return {"reviews": reviews, "rated_4_or_more": good, "share": share(good, reviews)}

    def _participation(self, conn: Connection, sites: list[str], now: datetime) -> dict[str, Any]:
        r, t, since = self.roster, self.board, now - ACTIVE_SPAN
        acted = select(t.c.accepted_by).where(t.c.accepted_by.is_not(None),
                                              or_(t.c.accepted_at >= since, t.c.completed_at >= since))
        home = r.c.home_site_id.in_(sites)
        registered = conn.execute(select(func.count()).where(home)).scalar_one()
        active = conn.execute(select(func.count()).where(and_(home, r.c.id.in_(acted)))).scalar_one()
        return {"registered": registered, "active_30d": active, "share": share(active, registered)}
