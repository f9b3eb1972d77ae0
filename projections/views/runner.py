"""Catching views up with the notification log: each projection applies a page and records its position
in the same transaction, under a lock on its position row, so a page is applied exactly once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Connection, Engine, MetaData, Table, select, update
from sqlalchemy.exc import IntegrityError

from projections.views.db import write_connection

PAGE_SIZE = 1_000
REBUILD_PAGE_SIZE = 4_000  # a rebuild holds the write lock anyway; fewer, larger pages cost ~20% less CPU
DDL_LOCK = 0x6369766963  # an advisory lock id of our own ("civic")


class ViewsDamaged(RuntimeError):
    """The views cannot follow the log: an event that cannot be decoded, or view rows that contradict the view's
    position (a database changed by hand). Nothing is written; `audit verify` names the damage."""

    def __init__(self, position: int, cause: Exception):
        super().__init__(f"the read views cannot be brought up to date at position {position} "
                         f"({type(cause).__name__}); run `civicflow audit verify`, then `projections rebuild`")
        self.position = position


@dataclass(frozen=True)
class Item:
    """One notification of the log, with its decoded domain event."""

    position: int
    notification: Notification
    event: Any


class Projection(Protocol):
    """A view folded page by page; one may also have `prepare(items)`, called before the page's transaction."""

    name: str

    def apply(self, conn: Connection, items: Sequence[Item]) -> None: ...


@dataclass
class Hooks:
    """Seams for tests and progress bars: after a page is read; before a projection's transaction commits."""

    after_read: Callable[[Sequence[Item]], None] = lambda items: None
    before_commit: Callable[[str, int], None] = lambda name, position: None


class Runner:
    def __init__(self, engine: Engine, positions: Table, recorder: ApplicationRecorder, mapper: Mapper,
                 projections: Sequence[Projection], hooks: Hooks | None = None, page_size: int = PAGE_SIZE):
        self.engine, self.table, self.recorder, self.mapper = engine, positions, recorder, mapper
        self.projections, self.hooks, self.page_size = list(projections), hooks or Hooks(), page_size

    def register_positions(self, metadata: MetaData | None = None) -> None:
        """Create the tables (if `metadata` is given) and give every projection a position row (0) if it has
        none — the row is the lock two workers share. Serialised, so processes may start side by side."""
        with write_connection(self.engine) as conn, conn.begin():
            if conn.dialect.name == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({DDL_LOCK})")
            if metadata is not None:
                metadata.create_all(conn, checkfirst=True)
            known = set(conn.execute(select(self.table.c.name)).scalars())
            missing = [{"name": p.name, "position": 0} for p in self.projections if p.name not in known]
            if missing:
                conn.execute(self.table.insert(), missing)

    def positions(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = dict(conn.execute(select(self.table.c.name, self.table.c.position)).tuples().all())
        return {p.name: rows.get(p.name, 0) for p in self.projections}

    def catch_up(self, stop: int | None = None, on_page: Callable[[int], None] | None = None,
                 page_size: int | None = None) -> int:
        """Apply every notification up to `stop` (default: all) to every projection; returns the lowest position."""
        start = min(self.positions().values(), default=0)
        while page := self.recorder.select_notifications(start, page_size or self.page_size, stop=stop,
                                                         inclusive_of_start=False):
            items = [Item(n.id, n, self._decode(n)) for n in page]
            self.hooks.after_read(items)
            self._prepare(items)
            try:
                self._apply(items)
            except IntegrityError as error:  # rows the view's position says are not there yet
                raise ViewsDamaged(items[0].position, error) from error
            start = page[-1].id
            if on_page is not None:
                on_page(start)
        return min(self.positions().values(), default=0)

    def _decode(self, notification: Notification) -> Any:
        try:
            return self.mapper.to_domain_event(notification)
        except Exception as error:  # noqa: BLE001 - whatever a damaged record raises while decoding
            raise ViewsDamaged(notification.id, error) from error

    def _prepare(self, items: Sequence[Item]) -> None:
        """What a projection can make of the page without its tables, before the page's transaction (its lock)."""
        for projection in self.projections:
            prepare = getattr(projection, "prepare", None)
            if prepare is not None:
                prepare(items)

    def catch_up_within(self, conn: Connection) -> None:
        """Apply every notification not yet applied, in the caller's write transaction (a blue/green switch)."""
        start = min(self._locked_positions(conn).values(), default=0)
        while page := self.recorder.select_notifications(start, self.page_size, inclusive_of_start=False):
            self._apply_in(conn, [Item(n.id, n, self._decode(n)) for n in page])
            start = page[-1].id

    def _apply(self, items: Sequence[Item]) -> None:
        """One transaction for the page: every projection's rows and new position commit together."""
        with write_connection(self.engine) as conn, conn.begin():
            self._apply_in(conn, items)

    def _apply_in(self, conn: Connection, items: Sequence[Item]) -> None:
        # Re-read the positions under the lock: another worker may have applied this page meanwhile.
        positions = self._locked_positions(conn)
        for projection in self.projections:
            fresh = [item for item in items if item.position > positions[projection.name]]
            if fresh:
                projection.apply(conn, fresh)
                conn.execute(update(self.table).where(self.table.c.name == projection.name)
                             .values(position=fresh[-1].position))
                self.hooks.before_commit(projection.name, fresh[-1].position)

    def _locked_positions(self, conn: Connection) -> dict[str, int]:
        names = [p.name for p in self.projections]
        query = select(self.table.c.name, self.table.c.position).where(self.table.c.name.in_(names))
        # A fixed lock order, so that two workers never wait on each other's rows crosswise.
        return dict(conn.execute(query.order_by(self.table.c.name).with_for_update()).tuples().all())
