"""ReadModel: the read side as one object — view tables, catching up, queries (the folders beside it); the
inspector's methods (audit events, checkpoints, verify, export, replay) come from AuditTrail."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Engine, MetaData, select

from projections.audit.chain import Sealer
from projections.audit.log import CHECKPOINT_EVERY, AuditLog, CheckpointHook
from projections.audit.jobs import VerificationJobs
from projections.audit.migrate import AuditFormatV1, audit_format, move_v1_tables, v1_checkpoints_table
from projections.audit.trail import AuditTrail
from projections.audit.checkpoints import Checkpoints
from projections.views.db import open_engine
from domain.privacy import mask_personal
from projections.audit.replay import History
from projections.audit.signing import Signer
from projections.views.order_board import OrderBoard
from projections.reads.queries import Cursors, list_orders, list_volunteers
from projections.reads.queue import list_queue
from projections.reads.service_records import AuditServiceRecords
from projections.views.generations import NextGeneration, progress
from projections.views.runner import PAGE_SIZE, Hooks, Projection, Runner
from projections.reads.site_queries import site_summary
from projections.views.site_stats import SiteStats
from projections.views.tables import ViewTables, build_tables
from projections.views.volunteer_roster import VolunteerRoster



# Views that workers may fold apart, with their cost to fold (CPU µs per event, each view's apply alone, measured
# on the demo district, 2026-12-02). The order board reads the site tree that site_stats keeps: they stay together.
VIEW_UNITS = ((24, ("order_board", "site_stats")), (32, ("audit_log",)), (3, ("volunteer_roster",)))


def build_projections(tables: ViewTables, on_checkpoint: CheckpointHook | None = None,
                      checkpoint_every: int = CHECKPOINT_EVERY, views: Collection[str] | None = None,
                      sealer: Sealer = Sealer()) -> list[Projection]:
    every = [OrderBoard(tables.order_board, tables.site_tree), VolunteerRoster(tables.volunteer_roster),
             SiteStats(tables), AuditLog(tables.audit_log, on_checkpoint, checkpoint_every, sealer)]
    unknown = set(views or ()) - {p.name for p in every}
    if unknown:
        raise ValueError(f"no such view: {', '.join(sorted(unknown))}")
    return [p for p in every if views is None or p.name in views]


def partition_views(jobs: int) -> list[tuple[str, ...]]:
    """The views split into at most `jobs` groups of similar cost (each unit to the cheapest group so far)."""
    groups: list[tuple[int, list[str]]] = [(0, []) for _ in range(max(1, min(jobs, len(VIEW_UNITS))))]
    for cost, names in sorted(VIEW_UNITS, reverse=True):
        total, group = min(groups, key=lambda g: g[0])
        groups[groups.index((total, group))] = (total + cost, [*group, *names])
    return [tuple(group) for _, group in groups]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class ReadModel(AuditTrail):
    def __init__(self, engine: Engine, recorder: ApplicationRecorder, mapper: Mapper, *,
                 tables: ViewTables | None = None, hooks: Hooks | None = None, page_size: int = PAGE_SIZE,
                 key_path: Path | str | None = None, clock: Callable[[], datetime] = _utc_now,
                 checkpoint_every: int = CHECKPOINT_EVERY, views: Collection[str] | None = None):
        self.engine, self.recorder, self.mapper = engine, recorder, mapper
        self.tables = tables or build_tables()
        signer = None if key_path is None else Signer.from_file(Path(key_path))
        self.marks = None if signer is None else Checkpoints(engine, self.tables.checkpoints, self.tables.audit_log,
                                                             self.tables.positions, signer, clock, checkpoint_every)
        # Every worker of one installation seals cursors with the same key, derived from the audit key.
        self.cursors = Cursors(os.urandom(32) if signer is None else signer.derive_key("list cursors"))
        # `views`: fold only these (a worker of a partitioned deployment); default: all of them.
        # Seals of values stored in clear are keyed by the audit key (chain.py: Sealer), the same in every process.
        self.sealer = Sealer(b"" if signer is None else signer.derive_key("audit seals"))
        self.checkpoint_every = checkpoint_every
        projections = build_projections(self.tables, self.marks.record if self.marks else None, checkpoint_every,
                                        views, self.sealer)
        self.runner = Runner(engine, self.tables.positions, recorder, mapper, projections, hooks, page_size)
        self.history_of = History(engine, self.tables, recorder, mapper)
        self.verifications = VerificationJobs(engine, self.tables.verifications, clock)
        self.service_records = AuditServiceRecords(engine, self.tables, self.catch_up)  # certificates (§17)
        # Opens the sealed personal fields of event data (the application's key store, wired by bootstrap):
        # inspectors see them masked in the one format; without it they stay sealed.
        self.unseal: Callable[[dict[str, Any]], dict[str, Any]] = dict
        self.place_of: Callable[[str], str | None] = lambda site_id: None  # a site's name: a masked address

    @classmethod
    def open(cls, *, recorder: ApplicationRecorder, mapper: Mapper, sqlalchemy_url: str,
             schema: str | None = None, create: bool = True, **options: Any) -> ReadModel:
        """The read model on the event store's own database (and PostgreSQL schema), tables created if asked."""
        model = cls(open_engine(sqlalchemy_url, schema), recorder, mapper, **options)
        if create:
            model.create_tables()
        return model

    # --- keeping up -------------------------------------------------------------------------------

    def create_tables(self) -> None:
        """Create the view tables (and give a fresh install its genesis checkpoint); a v1 audit trail is refused
        until it is migrated (`migrate_audit`)."""
        if audit_format(self.engine, self.tables) == 1:
            raise AuditFormatV1()
        self.runner.register_positions(self.tables.metadata)
        if self.marks is not None:
            self.marks.take_first()

    def migrate_audit(self, on_page: Callable[[int], None] | None = None) -> dict[str, Any]:
        """Audit format v1 → v2: verify and keep the v1 checkpoints, fold a v2 chain from 0, sign its head."""
        if audit_format(self.engine, self.tables) != 1:
            return {"migrated": False, "format": 2}
        v1 = self.v1_checkpoints(v1_checkpoints_table(MetaData(), self.tables.checkpoints.name))
        if not v1["ok"]:
            return {"migrated": False, "format": 1, "v1": v1}
        kept = move_v1_tables(self.engine, self.tables)
        self.create_tables()
        self.catch_up(on_page=on_page)
        return {"migrated": True, "format": 2, "v1_checkpoints_kept": kept, "v1": v1, "checkpoint": self.checkpoint()}

    def catch_up(self, stop: int | None = None, on_page: Callable[[int], None] | None = None) -> int:
        return self.runner.catch_up(stop, on_page)

    def positions(self) -> dict[str, int]:
        return self.runner.positions()

    def lag(self) -> int:
        latest = self.recorder.max_notification_id() or 0
        return max(0, latest - min(self.positions().values(), default=0))

    def rebuild(self, on_page: Callable[[int], None] | None = None, restart: bool = False) -> int:
        """Fold the views again from position 0 beside the live ones, then switch them in (blue/green,
        generations.py): the live views answer throughout; an interrupted rebuild resumes unless `restart`."""
        generation = self.next_generation()
        generation.start(restart)
        generation.fold(on_page)
        generation.finish(on_page)
        return min(self.positions().values(), default=0)

    def next_generation(self, views: Collection[str] | None = None, hooks: Hooks | None = None,
                        on_step: Callable[[str], None] | None = None) -> NextGeneration:
        """The views' next generation (all of them, or only `views`: one group of a parallel rebuild)."""
        def projections(tables: ViewTables) -> list[Projection]:
            return build_projections(tables, None, self.checkpoint_every, views, self.sealer)

        return NextGeneration(self.engine, self.tables, self.recorder, self.mapper, projections, hooks=hooks,
                              on_step=on_step, sign=self.marks.record if self.marks else None)

    def rebuild_progress(self) -> dict[str, Any] | None:
        """A rebuild under way: its positions and how far behind the log's head (None when there is none)."""
        return progress(self.next_generation(), self.recorder.max_notification_id() or 0)

    def close(self) -> None:
        self.engine.dispose()

    # --- queries ----------------------------------------------------------------------------------

    def orders(self, *, now: datetime, cursor: str | None = None, limit: int = 50, status: str | None = None,
               site_ids: Sequence[str] | None = None, jurisdiction: str | None = None,
               category: str | None = None, volunteer_id: UUID | str | None = None,
               team_ids: Sequence[UUID | str] | None = None, channel: str | None = None,
               placed_after: datetime | None = None, placed_before: datetime | None = None,
               overdue: bool | None = None
               ) -> tuple[list[dict[str, Any]], str | None]:
        """`site_ids`: orders at, or escalated to, one of these sites; `jurisdiction`: orders of that site and
        every site below it (a dispatcher's reach)."""
        with self.engine.connect() as conn:
            return list_orders(conn, self.tables.order_board, self.cursors, now=now, cursor=cursor, limit=limit, status=status,
                               site_ids=site_ids, jurisdiction=jurisdiction, site_tree=self.tables.site_tree,
                               category=category, volunteer_id=volunteer_id,
                               team_ids=team_ids, channel=channel, placed_after=placed_after,
                               placed_before=placed_before, overdue=overdue)

    def queue(self, *, jurisdiction: str, now: datetime, **filters: Any) -> tuple[list[dict[str, Any]], str | None]:
        """A dispatcher's open orders, escalated first, then by their present deadline (reads/queue.py)."""
        with self.engine.connect() as conn:
            return list_queue(conn, self.tables.order_board, self.tables.site_tree, self.cursors,
                              jurisdiction=jurisdiction, now=now, **filters)

    def volunteers(self, *, site_ids: Sequence[str] | None = None, skill: str | None = None,
                   available: bool | None = None, cursor: str | None = None, limit: int = 50,
                   name: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        with self.engine.connect() as conn:
            return list_volunteers(conn, self.tables.volunteer_roster, self.cursors, site_ids=site_ids, skill=skill,
                                   available=available, cursor=cursor, limit=limit, name=name)

    def site_stats(self, site_id: str, *, now: datetime | None = None) -> dict[str, Any] | None:
        """Counts by status, service minutes, satisfaction and timings of a site and all below it."""
        with self.engine.connect() as conn:
            return site_summary(conn, self.tables, site_id, now)

    def history(self, aggregate_id: UUID | str, *, mask: bool = False) -> list[dict[str, Any]]:
        t = self.tables.audit_log
        query = select(t.c.position, t.c.version, t.c.type, t.c.timestamp, t.c.actor, t.c.data) \
            .where(t.c.aggregate_id == str(aggregate_id)).order_by(t.c.version)
        with self.engine.connect() as conn:
            rows = [dict(row) for row in conn.execute(query).mappings()]
        return [{**row, "data": mask_personal(self.unseal(row["data"]), self.place_of) if mask else row["data"]}
                for row in rows]
