"""Blue/green rebuilds: the next generation of the views is folded from position 0 into tables of its own
(`next_…`, with their own positions row per view) while the live views keep answering and folding new events.
Caught up, it gets its indexes (bulk inserts into index-free tables are cheaper), then one short transaction,
holding the live views' write lock, folds the last events into it and renames it in; the old generation is
dropped. A crash at any point leaves the live views serving, and the next run resumes from the next
generation's positions (`restart`: start over). The signed checkpoints and verification jobs are never touched:
the rebuilt audit chain must reproduce the newest checkpoint before it may replace the live one."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Connection, Engine, Table, inspect, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateIndex, CreateTable

from projections.audit.log import CheckpointHook
from projections.views.db import write_connection
from projections.views.index_names import NEXT, index_names, neutral
from projections.views.runner import DDL_LOCK, PAGE_SIZE, REBUILD_PAGE_SIZE, Hooks, Projection, Runner
from projections.views.tables import ViewTables, build_tables

OLD = "old_"
SWITCH_ATTEMPTS = 20
SWITCH_LOCK_TIMEOUT_MS = 500  # under PostgreSQL's deadlock_timeout (1 s): the switch gives way, never a reader
LOCK_NOT_AVAILABLE = "55P03"


class RebuildDiverged(RuntimeError):
    """The rebuilt audit chain does not reproduce a signed checkpoint: nothing is switched."""

    def __init__(self, position: int):
        super().__init__(f"the rebuilt audit chain differs from the signed checkpoint at position {position}; "
                         "the live views are kept: run `civicflow audit verify`")
        self.position = position


class NextGeneration:
    def __init__(self, engine: Engine, live: ViewTables, recorder: ApplicationRecorder, mapper: Mapper,
                 make_projections: Callable[[ViewTables], Sequence[Projection]], *, hooks: Hooks | None = None,
                 on_step: Callable[[str], None] | None = None, sign: CheckpointHook | None = None):
        self.engine, self.live, self.tables = engine, live, build_tables(NEXT)
        # On SQLite each page holds the one write lock that the API's commands and catch-ups wait for: the
        # ordinary pages keep that wait short (measured: p99 2.9 s with the rebuild's large pages under load).
        page_size = PAGE_SIZE if engine.dialect.name == "sqlite" else REBUILD_PAGE_SIZE
        self.runner = Runner(engine, self.tables.positions, recorder, mapper, make_projections(self.tables), hooks,
                             page_size)
        # on_step(name) runs before each step's commit ("index NAME", "switch"): a seam for crash tests.
        self.on_step, self.sign = on_step or (lambda step: None), sign

    def under_way(self) -> bool:
        with self.engine.connect() as conn:
            return inspect(conn).has_table(self.tables.positions.name)

    def positions(self) -> dict[str, int]:
        return self.runner.positions()

    def start(self, restart: bool = False) -> None:
        """Create the next tables without their secondary indexes, unless a rebuild of the same tables is under
        way (it is resumed); `restart`, or tables of another shape (an older version's), start over."""
        self._drop(build_tables(OLD).views())  # what a crash right after a switch left behind
        if restart or not self._same_shape():
            self.discard()
        with self._ddl() as conn:
            for table in self.tables.views():
                if not inspect(conn).has_table(table.name):
                    conn.execute(CreateTable(table))
        self.runner.register_positions()

    def discard(self) -> None:
        """Drop the next generation's tables: a rebuild given up (the live views are not touched)."""
        self._drop(self.tables.views())

    def fold(self, on_page: Callable[[int], None] | None = None) -> int:
        return self.runner.catch_up(on_page=on_page)

    def finish(self, on_page: Callable[[int], None] | None = None) -> None:
        """Index the folded tables, fold what came meanwhile, switch them in and drop the old ones."""
        self.build_indexes()
        self.fold(on_page)
        self.switch()

    def build_indexes(self) -> None:
        """Each index in a transaction of its own (resumable), under a name the live tables do not use."""
        for live, table in zip(self.live.views(), self.tables.views()):
            with self.engine.connect() as conn:
                live_names, built = index_names(conn, live.name), index_names(conn, table.name)
            next_names_taken = any(name.startswith(f"ix_{NEXT}") for name in live_names)
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                index.name = neutral(str(index.name)) if next_names_taken else index.name
                if index.name not in built:
                    with self._ddl() as conn:
                        conn.execute(CreateIndex(index))
                        self.on_step(f"index {index.name}")

    def switch(self) -> None:
        """Under the live views' lock: the last events, the chain checked against the signed checkpoints, the
        renames, a checkpoint of the new chain's tip — one transaction; retried when PostgreSQL's readers hold
        the tables longer than the lock timeout."""
        for attempt in range(SWITCH_ATTEMPTS):
            try:
                with write_connection(self.engine) as conn, conn.begin():
                    self._switch_in(conn)
                break
            except OperationalError as error:
                if getattr(error.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE or attempt + 1 == SWITCH_ATTEMPTS:
                    raise
        self._drop(build_tables(OLD).views())

    def _switch_in(self, conn: Connection) -> None:
        postgres = conn.dialect.name == "postgresql"
        if postgres:  # readers finish their statements first; new ones wait the few milliseconds of the switch
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{SWITCH_LOCK_TIMEOUT_MS}ms'")
            names = ", ".join(t.name for t in self.live.views())
            conn.exec_driver_sql(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
        self.runner.catch_up_within(conn)
        self._check_chain(conn)
        for live, table in zip(self.live.views(), self.tables.views()):
            # PostgreSQL: dropped at once (it frees the index names); SQLite: renamed, dropped after the commit.
            conn.exec_driver_sql(f"DROP TABLE {live.name}" if postgres else
                                 f"ALTER TABLE {live.name} RENAME TO {OLD}{live.name}")
            conn.exec_driver_sql(f"ALTER TABLE {table.name} RENAME TO {live.name}")
            for name in index_names(conn, live.name) if postgres else ():
                if neutral(name) != name:
                    conn.exec_driver_sql(f"ALTER INDEX {name} RENAME TO {neutral(name)}")
        self._sign_tip(conn)
        self.on_step("switch")

    def _check_chain(self, conn: Connection) -> None:
        audit, marks = self.tables.audit_log, self.live.checkpoints
        tip = conn.execute(select(audit.c.position).order_by(audit.c.position.desc()).limit(1)).scalar()
        mark = conn.execute(select(marks.c.position, marks.c.head).where(marks.c.position > 0,
                            marks.c.position <= (tip or 0)).order_by(marks.c.position.desc()).limit(1)).first()
        if mark is not None:
            rebuilt = conn.execute(select(audit.c.hash).where(audit.c.position == mark.position)).scalar()
            if rebuilt != mark.head:
                raise RebuildDiverged(mark.position)

    def _sign_tip(self, conn: Connection) -> None:
        audit = self.live.audit_log  # renamed in: the rebuilt chain
        tip = conn.execute(select(audit.c.position, audit.c.hash, audit.c.seq)
                           .order_by(audit.c.position.desc()).limit(1)).mappings().first()
        if self.sign is not None and tip is not None:
            self.sign(conn, dict(tip), False)

    def _same_shape(self) -> bool:
        with self.engine.connect() as conn:
            found = inspect(conn)
            return all(not found.has_table(t.name) or {c["name"] for c in found.get_columns(t.name)} == set(t.c.keys())
                       for t in self.tables.views())

    def _drop(self, tables: Sequence[Table]) -> None:
        for table in tables:
            with self._ddl() as conn:
                if inspect(conn).has_table(table.name):
                    conn.exec_driver_sql(f"DROP TABLE {table.name}")

    @contextmanager
    def _ddl(self) -> Iterator[Connection]:
        with write_connection(self.engine) as conn, conn.begin():
            if conn.dialect.name == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({DDL_LOCK})")
            yield conn


def progress(generation: NextGeneration, head: int) -> dict[str, Any] | None:
    """A rebuild in progress: the next generation's positions and how far behind the log's head it is."""
    if not generation.under_way():
        return None
    positions = generation.positions()
    return {"positions": positions, "behind": max(0, head - min(positions.values(), default=0))}
