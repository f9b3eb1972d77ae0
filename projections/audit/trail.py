"""The inspector's side of the ReadModel: audit events, checkpoints, verification, export and replay."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Engine, select

from projections.audit.chain import GENESIS
from projections.audit.checkpoints import Checkpoints
from projections.audit.compare import Difference
from projections.audit.event_data import masked
from projections.audit.export import export_lines, verify_lines
from projections.audit.replay import History, replay_into_scratch
from projections.views.runner import Runner
from projections.views.tables import ViewTables
from projections.audit.verify import Verifier, VerifyReport

Progress = Callable[[int], None] | None


class AuditTrail:
    engine: Engine
    tables: ViewTables
    recorder: ApplicationRecorder
    mapper: Mapper
    runner: Runner
    marks: Checkpoints | None
    history_of: History

    def catch_up(self, stop: int | None = None, on_page: Progress = None) -> int:
        raise NotImplementedError

    def audit_events(self, *, after: int = 0, limit: int = 100, aggregate_id: UUID | str | None = None,
                     type: str | None = None, mask: bool = True) -> tuple[list[dict[str, Any]], int | None]:
        t = self.tables.audit_log
        query = select(t.c.position, t.c.aggregate_id, t.c.aggregate_type, t.c.version, t.c.type, t.c.timestamp,
                       t.c.actor, t.c.data, t.c.hash, t.c.prev_hash).where(t.c.position > after)
        if aggregate_id is not None:
            query = query.where(t.c.aggregate_id == str(aggregate_id))
        if type is not None:
            query = query.where(t.c.type == type)
        limit = max(1, min(limit, 1000))
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query.order_by(t.c.position).limit(limit + 1)).mappings()]
        items = [{**r, "data": masked(r["data"]) if mask else r["data"]} for r in rows[:limit]]
        return items, items[-1]["position"] if len(rows) > limit else None

    def _signed(self) -> Checkpoints:
        if self.marks is None:
            raise RuntimeError("no audit signing key configured (key_path)")
        return self.marks

    def checkpoint(self) -> dict[str, Any]:
        """Catch the audit trail up and sign its head now."""
        self.catch_up()
        return self._signed().take()

    def checkpoints(self) -> tuple[str, list[dict[str, Any]]]:
        return self._signed().listing()

    def verify(self, on_progress: Progress = None, *, after: int = 0, stop: int | None = None) -> VerifyReport:
        """Recompute the chain from the event store up to the audit trail's position (or `stop`) and compare.
        From `after` > 0, the chain starts at the head the audit table claims there (see `joined`)."""
        stop = self.runner.positions()["audit_log"] if stop is None else stop
        verifier = Verifier(self.engine, self.tables, self.recorder, self.mapper, self._signed().signer.public_key,
                            on_progress)
        head, count = self.claimed_head(after)
        return verifier.run(stop, after, bytes.fromhex(head), count)

    def claimed_head(self, position: int) -> tuple[str, int]:
        """The head and count the audit table holds at `position` (its last row there or before)."""
        t = self.tables.audit_log
        query = select(t.c.hash, t.c.seq).where(t.c.position <= position).order_by(t.c.position.desc()).limit(1)
        with self.engine.connect() as conn:
            last = conn.execute(query).first()
        return (last.hash, last.seq) if last is not None and _is_hex(last.hash) else (GENESIS.hex(), 0)

    def export(self, *, fmt: str = "jsonl", after: int = 0, mask: bool = True) -> Iterator[str]:
        return export_lines(self.engine, self.tables, fmt=fmt, after=after, mask=mask)

    @staticmethod
    def verify_file(lines: Iterable[str], start_head: str | None = None) -> VerifyReport:
        return verify_lines(lines, start_head)

    def order_at(self, order_id: UUID, *, version: int | None = None, position: int | None = None,
                 at: datetime | None = None, now: datetime | None = None) -> dict[str, Any] | None:
        return self.history_of.order_at(order_id, version=version, position=position, at=at, now=now)

    def volunteer_at(self, volunteer_id: UUID, *, version: int | None = None, position: int | None = None,
                     at: datetime | None = None) -> dict[str, Any] | None:
        return self.history_of.volunteer_at(volunteer_id, version=version, position=position, at=at)

    def replay(self, on_page: Progress = None) -> Iterator[Difference]:
        """Catch the live views up, fold the whole log into scratch tables, yield every differing row."""
        from projections.read_model import build_projections  # the same projections, on scratch tables

        stop = self.catch_up()
        return replay_into_scratch(self.engine, self.tables, self.recorder, self.mapper, build_projections, stop,
                                   on_page)


def _is_hex(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) == len(GENESIS)
    except ValueError:
        return False
