"""Where each worker loop stands: one row per loop (its position, when its last pass ended, how long it took, the
pass's report), written after every pass in the views' database, read by `/readyz`.

A loop that stops cleanly says so (`stopped`), so that an installation running no workers, or one whose workers
were shut down on purpose, is told apart from a loop that died or hangs (its beat grows old)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, Column, Engine, Float, MetaData, String, Table, delete, inspect,
                        select)

from projections.views.db import UTCDateTime, write_connection

TABLE = "worker_heartbeats"


def heartbeats_table(metadata: MetaData) -> Table:
    return Table(TABLE, metadata, Column("name", String(32), primary_key=True),
                 Column("position", BigInteger, nullable=True), Column("at", UTCDateTime, nullable=False),
                 Column("interval", Float, nullable=False), Column("took", Float, nullable=False),
                 Column("stopped", Boolean, nullable=False), Column("report", JSON, nullable=False))


@dataclass(frozen=True)
class Beat:
    name: str
    position: int | None
    at: datetime
    interval: float  # seconds between passes (the fallback interval of a loop woken by notifications)
    took: float  # seconds the last pass took
    stopped: bool
    report: dict[str, Any]


class Heartbeats:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.table = heartbeats_table(MetaData())

    def create(self) -> None:
        with write_connection(self.engine) as conn, conn.begin():
            self.table.create(conn, checkfirst=True)

    def record(self, beat: Beat) -> None:
        """Replace the loop's row (delete and insert in one transaction: portable, and one writer per loop)."""
        with write_connection(self.engine) as conn, conn.begin():
            conn.execute(delete(self.table).where(self.table.c.name == beat.name))
            conn.execute(self.table.insert().values(**beat.__dict__))

    def read(self) -> dict[str, Beat]:
        """Every loop's last beat; none where no worker ever ran (the table is created by `civicflow workers`)."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table(TABLE):
                return {}
            rows = conn.execute(select(self.table).order_by(self.table.c.name)).mappings().all()
        return {row["name"]: Beat(**row) for row in rows}


class Recorder:
    """The `report` callback of one loop: keeps its beat current after each pass, timed on `now`."""

    def __init__(self, heartbeats: Heartbeats, name: str, interval: float, now: Callable[[], datetime],
                 echo: Callable[[dict[str, Any]], None] = lambda report: None):
        self.heartbeats, self.name, self.interval, self.now, self.echo = heartbeats, name, interval, now, echo
        self.started = now()

    def timed(self, one_pass: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        def timed_pass() -> dict[str, Any]:
            self.started = self.now()
            return one_pass()
        return timed_pass

    def __call__(self, report: dict[str, Any]) -> None:
        at = self.now()
        self.heartbeats.record(Beat(self.name, report.get("position"), at, self.interval,
                                    (at - self.started).total_seconds(), False, report))
        self.echo(report)  # after the beat: whoever reads the line (a test, an operator) finds /readyz agreeing

    def stop(self) -> None:
        """A clean stop (a loop that failed says nothing: its beat grows old, and /readyz tells)."""
        last = self.heartbeats.read().get(self.name)
        report = last.report if last else {}
        self.heartbeats.record(Beat(self.name, report.get("position"), self.now(), self.interval, 0.0, True, report))
