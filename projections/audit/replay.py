"""Replay for inspectors: an order or a volunteer as it stood at a version, a position or an instant; and a
whole-log replay into scratch tables, compared row by row with the live views."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Engine, func, select

from projections import presenting
from projections.audit.compare import Difference, differences
from projections.views.order_board import ORDER_FOLDS
from projections.views.rows import Fold, fold_in_memory
from projections.views.runner import Projection, Runner
from projections.views.tables import ViewTables, build_tables
from projections.views.volunteer_roster import VOLUNTEER_FOLDS

SCRATCH_PREFIX = "replay_"


class History:
    def __init__(self, engine: Engine, tables: ViewTables, recorder: ApplicationRecorder, mapper: Mapper):
        self.engine, self.tables, self.recorder, self.mapper = engine, tables, recorder, mapper

    def version_at(self, aggregate_id: UUID, *, position: int | None = None, at: datetime | None = None
                   ) -> int | None:
        """The aggregate's last version at or before a position or an instant (from the audit log)."""
        t = self.tables.audit_log
        query = select(func.max(t.c.version)).where(t.c.aggregate_id == str(aggregate_id))
        if position is not None:
            query = query.where(t.c.position <= position)
        if at is not None:
            query = query.where(t.c.timestamp <= at)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def state_at(self, aggregate_id: UUID, folds: dict[type, Fold], *, version: int | None = None,
                 position: int | None = None, at: datetime | None = None) -> dict[str, Any] | None:
        if version is None and (position is not None or at is not None):
            version = self.version_at(aggregate_id, position=position, at=at)
            if version is None:
                return None  # it did not exist yet
        stored = self.recorder.select_events(aggregate_id, lte=version)
        return fold_in_memory([self.mapper.to_domain_event(s) for s in stored], folds)

    def order_at(self, order_id: UUID, *, version: int | None = None, position: int | None = None,
                 at: datetime | None = None, now: datetime | None = None) -> dict[str, Any] | None:
        row = self.state_at(order_id, ORDER_FOLDS, version=version, position=position, at=at)
        if row is None or "status" not in row:
            return None
        return presenting.order_row(row, now or at or row["placed_at"])

    def volunteer_at(self, volunteer_id: UUID, *, version: int | None = None, position: int | None = None,
                     at: datetime | None = None) -> dict[str, Any] | None:
        row = self.state_at(volunteer_id, VOLUNTEER_FOLDS, version=version, position=position, at=at)
        return None if row is None or "home_site_id" not in row else presenting.volunteer_row(row)


def replay_into_scratch(engine: Engine, live: ViewTables, recorder: ApplicationRecorder, mapper: Mapper,
                        make_projections: Callable[[ViewTables], list[Projection]], stop: int,
                        on_page: Callable[[int], None] | None = None) -> Iterator[Difference]:
    """Fold the log up to `stop` into fresh scratch tables, then yield every row that differs from the live
    views (which must stand at `stop`). The scratch tables are dropped afterwards."""
    scratch = build_tables(SCRATCH_PREFIX)
    scratch.metadata.drop_all(engine, tables=scratch.views(), checkfirst=True)
    scratch.metadata.create_all(engine, tables=scratch.views())
    try:
        runner = Runner(engine, scratch.positions, recorder, mapper, make_projections(scratch))
        runner.register_positions()
        runner.catch_up(stop=stop, on_page=on_page)
        for live_table, scratch_table in zip(live.views(), scratch.views()):
            if live_table is not live.positions:
                yield from differences(engine, live_table, scratch_table)
    finally:
        scratch.metadata.drop_all(engine, tables=scratch.views(), checkfirst=True)
