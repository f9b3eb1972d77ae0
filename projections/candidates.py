"""Auto-dispatch candidates from the volunteer_roster view: the application's `CandidateSource` port.

One indexed query per site (home_site_id, available): skill, suspension, load and the exclusions are
filtered in SQL, and the rest of `domain.dispatch.rank_key` (load, rating, recent orders, id) is the ORDER BY.
"Recent orders" are the orders the volunteer accepted since `recent_since` (order_board, by acceptor).
The roster keeps no capacity, so the default capacity is assumed here; the application re-checks the
winner on its aggregate, which holds the real one.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Engine, Float, Text, case, cast, func, select

from domain.dispatch import Candidate
from domain.volunteer import DEFAULT_CAPACITY
from projections.tables import ViewTables


class RosterCandidates:
    def __init__(self, engine: Engine, tables: ViewTables, capacity: int = DEFAULT_CAPACITY):
        self.engine, self.capacity = engine, capacity
        self.roster, self.board = tables.volunteer_roster, tables.order_board

    def best_candidate(self, site_id: str, category: str, exclude: Collection[UUID], *,
                       recent_since: datetime) -> Candidate | None:
        with self.engine.connect() as conn:
            row = conn.execute(self._query(site_id, category, exclude, recent_since)).mappings().first()
        return None if row is None else _candidate(row)

    def _query(self, site_id: str, category: str, exclude: Collection[UUID], since: datetime) -> Any:
        r, ob = self.roster, self.board
        rating = case((r.c.rating_count > 0, cast(r.c.rating_total, Float) / r.c.rating_count), else_=0.0)
        recent = select(func.count()).where(ob.c.accepted_by == r.c.id, ob.c.accepted_at >= since) \
            .scalar_subquery()
        query = select(r.c.id, r.c.home_site_id, r.c.active_orders, r.c.rating_count, r.c.rating_total,
                       recent.label("recent_orders")) \
            .where(r.c.home_site_id == site_id, r.c.available.is_(True), r.c.suspended.is_(False),
                   r.c.active_orders < self.capacity, cast(r.c.skills, Text).contains(json.dumps(category)))
        if exclude:
            query = query.where(r.c.id.not_in([str(v) for v in exclude]))
        return query.order_by(r.c.active_orders, rating.desc(), recent, r.c.id).limit(1)


def _candidate(row: Any) -> Candidate:
    count = row["rating_count"]
    return Candidate(UUID(row["id"]), row["home_site_id"], row["active_orders"],
                     row["rating_total"] / count if count else None, row["recent_orders"])
