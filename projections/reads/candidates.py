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

from sqlalchemy import Engine, Float, Table, Text, bindparam, case, cast, func, select

from domain.dispatch import Candidate
from domain.volunteer import DEFAULT_CAPACITY
from projections.views.tables import ViewTables


class RosterCandidates:
    def __init__(self, engine: Engine, tables: ViewTables, capacity: int = DEFAULT_CAPACITY):
        self.engine = engine
        self.query = _ranked_query(tables.volunteer_roster, tables.order_board, capacity)  # built once

    def best_candidate(self, site_id: str, category: str, exclude: Collection[UUID], *,
                       recent_since: datetime) -> Candidate | None:
        params = {"site": site_id, "skill": f"%{json.dumps(category)}%", "since": recent_since,
                  "exclude": [str(v) for v in exclude]}
        with self.engine.connect() as conn:
            row = conn.execute(self.query, params).mappings().first()
        return None if row is None else _candidate(row)


def _ranked_query(r: Table, ob: Table, capacity: int) -> Any:
    """The best eligible volunteer of one home site, as rank_key orders them (distance is the caller's)."""
    rating = case((r.c.rating_count > 0, cast(r.c.rating_total, Float) / r.c.rating_count), else_=0.0)
    recent = select(func.count()).where(ob.c.accepted_by == r.c.id, ob.c.accepted_at >= bindparam("since")) \
        .scalar_subquery()
    return select(r.c.id, r.c.home_site_id, r.c.active_orders, r.c.rating_count, r.c.rating_total,
                  recent.label("recent_orders")) \
        .where(r.c.home_site_id == bindparam("site"), r.c.available.is_(True), r.c.suspended.is_(False),
               r.c.active_orders < capacity, cast(r.c.skills, Text).like(bindparam("skill")),
               r.c.id.not_in(bindparam("exclude", expanding=True))) \
        .order_by(r.c.active_orders, rating.desc(), recent, r.c.id).limit(1)


def _candidate(row: Any) -> Candidate:
    count = row["rating_count"]
    return Candidate(UUID(row["id"]), row["home_site_id"], row["active_orders"],
                     row["rating_total"] / count if count else None, row["recent_orders"])
