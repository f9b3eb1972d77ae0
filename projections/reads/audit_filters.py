"""The console's audit trail: events filtered by actor, type, aggregate and time range, in pages by position.

Filters match exactly (no wildcards from the caller); the time range is half-open, [since, until). The page is
keyed by position, oldest first, so a page link stays right while events are appended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from projections.views.tables import ViewTables

PAGE = 50


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    type: str | None = None
    aggregate_id: str | None = None
    aggregate_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def clauses(self, t: Any) -> list[Any]:
        exact = {"actor": self.actor, "type": self.type, "aggregate_id": self.aggregate_id,
                 "aggregate_type": self.aggregate_type}
        where = [t.c[name] == value for name, value in exact.items() if value]
        if self.since is not None:
            where.append(t.c.timestamp >= self.since)
        if self.until is not None:
            where.append(t.c.timestamp < self.until)
        return where


def audit_page(engine: Engine, tables: ViewTables, found: AuditFilter, *, after: int = 0, limit: int = PAGE
               ) -> tuple[list[dict[str, Any]], int | None]:
    """Rows after a position (with their stored, sealed data) and the position to ask the next page after."""
    t = tables.audit_log
    query = select(t.c.position, t.c.aggregate_id, t.c.aggregate_type, t.c.version, t.c.type, t.c.timestamp,
                   t.c.actor, t.c.data, t.c.hash, t.c.prev_hash) \
        .where(t.c.position > after, *found.clauses(t)).order_by(t.c.position).limit(limit + 1)
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(query).mappings()]
    return rows[:limit], rows[limit - 1]["position"] if len(rows) > limit else None


def known_values(engine: Engine, tables: ViewTables, column: str) -> list[str]:
    """The distinct values of an audit column (`type`, `aggregate_type`), for the filter's choices."""
    t = tables.audit_log
    with engine.connect() as conn:
        return sorted(conn.execute(select(t.c[column]).distinct()).scalars())
