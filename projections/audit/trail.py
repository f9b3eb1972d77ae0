"""The inspector's side of the ReadModel: audit events, checkpoints, verification, export and replay."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Mapper
from sqlalchemy import Engine, MetaData, Table, func, inspect, select

from civicflow_verify import verify_lines
from projections.audit.chain import GENESIS, Sealer
from projections.audit.checkpoints import Checkpoints, checkpoint_is_signed
from projections.audit.compare import Difference
from domain.privacy import mask_personal
from projections.audit.export import FORMATS, Export, lines_of
from projections.audit.migrate import v1_checkpoints_table, v1_report
from projections.audit.replay import History, replay_into_scratch
from projections.audit.verify import Start, Verifier, VerifyReport, check_links
from projections.views.runner import Runner
from projections.views.tables import ViewTables

Progress = Callable[[int], None] | None


class AuditTrail:
    engine: Engine
    tables: ViewTables
    recorder: ApplicationRecorder
    mapper: Mapper
    runner: Runner
    marks: Checkpoints | None
    history_of: History
    unseal: Callable[[dict[str, Any]], dict[str, Any]]
    sealer: Sealer
    place_of: Callable[[str], str | None]

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
        items = [{**r, "data": mask_personal(self.unseal(r["data"]), self.place_of) if mask else r["data"]}
                 for r in rows[:limit]]
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

    def _verifier(self, on_progress: Progress = None) -> Verifier:
        marks = self._signed()
        return Verifier(self.engine, self.tables, self.recorder, self.mapper, marks.signer.public_key, on_progress,
                        marks.every, self.sealer)

    def store_head(self) -> int:
        return self.recorder.max_notification_id() or 0

    def verification_stop(self) -> int:
        """Where a verification stops: the store's head, or beyond it what the audit table or the checkpoints
        claim (events gone from the tail are then found). Read in this order: nothing is audited before it is
        stored, so appends while we start never put the store behind the claims."""
        newest = self._signed().newest()
        claims = max(self._audit_tip(), newest["position"] if newest else 0)
        return max(claims, self.store_head())

    def verify(self, on_progress: Progress = None, *, after: int = 0, stop: int | None = None,
               links: bool = True) -> VerifyReport:
        """Recompute the chain from the event store up to its head (or `stop`) and compare with the audit table and
        every signed checkpoint. From `after` > 0 (a segment of a parallel verify), the chain starts at the head
        the audit table claims there (see `joined`), and `links=False` leaves the checkpoints' chain to the caller."""
        stop = self.verification_stop() if stop is None else stop
        if after == 0 and links and (broken := self._v1_broken()) is not None:
            return broken
        start = Start() if after == 0 else Start(after, *self.claimed_head(after), self.checkpoint_before(after))
        return self._verifier(on_progress).run(stop, start, links=links)

    def checkpoint_chain_report(self) -> VerifyReport | None:
        """The checkpoints' signatures and links, and the v1 checkpoints, alone (a parallel verify's parent)."""
        public_key, marks = self.checkpoints()
        return self._v1_broken() or check_links(public_key, marks)

    def _v1_broken(self) -> VerifyReport | None:
        v1 = self.v1_checkpoints()
        if v1.get("ok", True):
            return None
        return VerifyReport(False, 0, GENESIS, v1["first_bad_position"], f"format v1: {v1['reason']}")

    def v1_checkpoints(self, table: Table | None = None) -> dict[str, Any]:
        """A migrated store's v1 checkpoints against the v1 chain recomputed from the store ({} if it has none)."""
        table = table if table is not None else v1_checkpoints_table(MetaData())
        if not inspect(self.engine).has_table(table.name):
            return {}
        return v1_report(self.engine, self.recorder, self._signed().signer.public_key, table)

    def verify_recent(self) -> VerifyReport:
        """Incremental: only what came since the newest signed checkpoint (at most N events or the interval's
        worth), from its signed head; when that holds, the audit trail's tip is signed in turn, so the next
        call starts there. Full verification (`verify`) is the job that covers the rest."""
        anchor = self._signed().newest()
        if anchor is None:
            return self.verify()
        if not checkpoint_is_signed(self._signed().signer.public_key, anchor):
            return VerifyReport(False, anchor["count"], GENESIS, anchor["position"],
                                "the newest checkpoint's signature is not valid for the published key")
        start = Start(anchor["position"], anchor["head"], anchor["count"], anchor)
        report = self._verifier().run(self.verification_stop(), start)
        if report.ok and report.checked - report.pending > anchor["count"]:
            self._signed().take()
        return report

    def checkpoint_before(self, position: int) -> dict[str, Any] | None:
        t = self.tables.checkpoints
        query = select(t).where(t.c.position <= position).order_by(t.c.position.desc()).limit(1)
        with self.engine.connect() as conn:
            found = conn.execute(query).mappings().first()
        return None if found is None else dict(found)

    def claimed_head(self, position: int) -> tuple[str, int]:
        """The head and count the audit table holds at `position` (its last row there or before)."""
        t = self.tables.audit_log
        query = select(t.c.hash, t.c.seq).where(t.c.position <= position).order_by(t.c.position.desc()).limit(1)
        with self.engine.connect() as conn:
            last = conn.execute(query).first()
        return (last.hash, last.seq) if last is not None and _is_hex(last.hash) else (GENESIS, 0)

    def export(self, *, fmt: str = "jsonl", after: int = 0, now: datetime | None = None) -> Iterator[str]:
        """The audited events from the signed checkpoint at or before `after` (genesis for 0) to the audit
        table's tip, verified as they are written, then sealed (export.py)."""
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        marks = self._signed()
        anchor = self.checkpoint_before(after) if after > 0 else None
        start = Start() if anchor is None or anchor["position"] == 0 else \
            Start(anchor["position"], anchor["head"], anchor["count"], anchor)
        export = Export(self._verifier(), marks.signer, now or marks.clock(), self._shown_to_inspectors)
        records = export.records(start, self._audit_tip(), after)
        return lines_of(records, fmt)

    def _shown_to_inspectors(self, data: dict[str, Any]) -> dict[str, Any]:
        return mask_personal(self.unseal(data), self.place_of)

    def _audit_tip(self) -> int:
        t = self.tables.audit_log
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(t.c.position))).scalar() or 0

    @staticmethod
    def verify_file(lines: Iterable[str], public_key: str | None = None) -> dict[str, Any]:
        return verify_lines(lines, public_key)

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
        def same_projections(tables: ViewTables) -> list[Any]:
            return build_projections(tables, sealer=self.sealer)

        return replay_into_scratch(self.engine, self.tables, self.recorder, self.mapper, same_projections, stop,
                                   on_page)


def _is_hex(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) == len(GENESIS) // 2
    except ValueError:
        return False
