"""Verification (format v2): recompute every leaf from the event store — stored bytes → state hash, decoded event
→ inspector form → content hash — and compare, position by position, with the audit table and every signed
checkpoint, up to the store's head whatever the views' positions say; report the first position that differs.

Nothing in the views' own tables can make it pass over an altered event: the checkpoints are signed with a key
outside the database, each names the one before it, and one is due at every N-th audited event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Engine, Text, cast, func, select

from projections.audit.chain import GENESIS, Sealer, chain_step
from projections.audit.checkpoints import checkpoint_is_signed
from projections.audit.log import notification_content
from projections.audit.report import VerifyReport
from projections.views.paging import notifications, rows
from projections.views.tables import ViewTables

CONTENT = ("aggregate_id", "aggregate_type", "version", "type", "topic", "timestamp", "actor", "state_sha256",
           "content_sha256")  # and the data, compared as the canonical text it is stored as (db.canonical_text)
_END: dict[str, Any] = {"position": float("inf")}
PROGRESS_EVERY = 1_000
Visit = Callable[[Mapping[str, Any]], None]


class Failed(Exception):
    def __init__(self, position: int | None, reason: str):
        super().__init__(reason)
        self.position, self.reason = position, reason


@dataclass
class Start:
    """Where a walk starts: after `position`, from `head` after `count` events, the checkpoint before (if any)."""

    position: int = 0
    head: str = GENESIS
    count: int = 0
    checkpoint: Mapping[str, Any] | None = None


class CheckpointChain:
    """Each checkpoint signed with the published key, and naming the position of the one before it."""

    def __init__(self, public_key: str, before: Mapping[str, Any] | None = None):
        self.public_key, self.last = public_key, before

    def see(self, mark: Mapping[str, Any]) -> None:
        if not checkpoint_is_signed(self.public_key, dict(mark)):
            raise Failed(mark["position"], "a checkpoint's signature is not valid for the published key")
        expected = None if self.last is None else self.last["position"]
        if mark["previous"] != expected:
            raise Failed(mark["position"], f"the signed checkpoint at position {mark['previous']} that this one "
                                           "follows is missing: a checkpoint was deleted")
        self.last = mark


def check_links(public_key: str, marks: Sequence[Mapping[str, Any]]) -> VerifyReport | None:
    """The checkpoint chain alone (a parallel verify checks it once, in the parent); None when it holds."""
    chain = CheckpointChain(public_key)
    try:
        for mark in marks:
            chain.see(mark)
    except Failed as failure:
        return VerifyReport(False, 0, GENESIS, failure.position, failure.reason)
    return None


class Verifier:
    def __init__(self, engine: Engine, tables: ViewTables, recorder: ApplicationRecorder, mapper: Mapper,
                 public_key: str, on_progress: Callable[[int], None] | None = None, every: int = 1_000,
                 sealer: Sealer = Sealer()):
        self.engine, self.tables, self.recorder, self.mapper = engine, tables, recorder, mapper
        self.public_key, self.on_progress, self.default_every = public_key, on_progress or (lambda p: None), every
        self.sealer = sealer
        self.head, self.checked, self.signed, self.pending = GENESIS, 0, 0, 0
        self.on_event: Visit = lambda record: None
        self.on_checkpoint: Visit = lambda mark: None

    def run(self, stop: int, start: Start | None = None, *, links: bool = True) -> VerifyReport:
        """Verify the positions after `start` up to `stop`; `links=False` leaves the checkpoint chain's
        signatures and links to the caller (check_links), the heads and counts are compared here."""
        start = start or Start()
        self.head, self.checked, self.signed, self.pending = start.head, start.count, 0, 0
        self.marks_seen = CheckpointChain(self.public_key, start.checkpoint) if links else None
        self.every = start.checkpoint["every"] if start.checkpoint else self.default_every
        try:
            genesis = start.position == 0 and start.checkpoint is None  # then the genesis checkpoint is ours
            self._walk(start.position, stop, marks_after=-1 if genesis else start.position)
        except Failed as failure:
            return self._report(False, start, failure.position, failure.reason)
        return self._report(True, start)

    @property
    def last_checkpoint(self) -> Mapping[str, Any] | None:
        """The newest checkpoint the walk has seen (where a following walk continues the links from)."""
        return None if self.marks_seen is None else self.marks_seen.last

    def _report(self, ok: bool, start: Start, position: int | None = None, reason: str | None = None
                ) -> VerifyReport:
        return VerifyReport(ok, self.checked, self.head, position, reason, self.signed, start.position, self.pending)

    def _walk(self, after: int, stop: int, marks_after: int) -> None:
        # Bounded by `stop`: a worker may keep appending (and signing) while we verify.
        store: Iterator[Notification] = notifications(self.recorder, after=after, stop=stop)
        log, signed = self.tables.audit_log, self.tables.checkpoints
        columns = [c for c in log.c if c.name != "data"] + [cast(log.c.data, Text).label("data")]
        self._audit = rows(self.engine, select(*columns).where(log.c.position <= stop), log.c.position, after=after)
        marks = rows(self.engine, select(signed).where(signed.c.position <= stop), signed.c.position,
                     after=marks_after)  # from the genesis checkpoint (position 0) when starting there
        event, row = next(store, None), self._next_row(after)
        mark = self._checkpoints_at(after, self._next(marks, after), marks, audited=False)
        while event is not None or row is not _END:
            position = min(event.id if event is not None else float("inf"), row["position"])
            if event is None or event.id != position:
                raise Failed(int(position), "an audited event is missing from the event store (deleted or moved)")
            audited = row["position"] == position
            if not audited and row is not _END:
                raise Failed(position, "an event in the store is missing from the audit trail (deleted row)")
            self._check(event, row if audited else None)
            mark = self._checkpoints_at(position, mark, marks, audited)
            event, row = next(store, None), self._next_row(position) if audited else row
        if mark is not _END:
            raise Failed(mark["position"], "a signed checkpoint covers events that are no longer there")

    def _next_row(self, after: int) -> Mapping[str, Any]:
        try:
            return next(self._audit, _END)
        except Exception as error:  # noqa: BLE001 - an unreadable row (a corrupted column) is a finding
            raise Failed(self._unreadable_row(after), f"the audit row cannot be read: {type(error).__name__}: "
                                                      f"{error}") from error

    def _unreadable_row(self, after: int) -> int | None:
        """The first row after `after` that cannot be read whole (a page failed: find which row), by position."""
        log = self.tables.audit_log
        with self.engine.connect() as conn:
            while True:
                position = conn.execute(select(func.min(log.c.position)).where(log.c.position > after)).scalar()
                if position is None:
                    return None
                try:
                    conn.execute(select(log).where(log.c.position == position)).mappings().all()
                except Exception:  # noqa: BLE001 - this is the row
                    return int(position)
                after = position

    def _next(self, marks: Iterator[Mapping[str, Any]], after: int) -> Mapping[str, Any]:
        try:
            return next(marks, _END)
        except Exception as error:  # noqa: BLE001 - as above, for the checkpoints
            raise Failed(after, f"the checkpoints cannot be read after position {after}: {error}") from error

    def _check(self, event: Notification, row: Mapping[str, Any] | None) -> None:
        try:
            expected = notification_content(event, self.mapper.to_domain_event(event), self.sealer)
        except Exception as error:  # noqa: BLE001 - any decoding failure is a finding, not a crash
            raise Failed(event.id, f"the stored event cannot be decoded: {error}") from error
        previous = self.head
        self.head = chain_step(previous, event.id, expected["state_sha256"], expected["content_sha256"])
        self.checked += 1
        if row is None:
            self.pending += 1
        else:
            self._compare(event.id, row, expected, previous)
            self.on_event({**row, "data": expected["data"], "content_sha256": expected["content_sha256"]})
        if self.checked % PROGRESS_EVERY == 0:
            self.on_progress(event.id)

    def _compare(self, position: int, row: Mapping[str, Any], expected: Mapping[str, Any], previous: str) -> None:
        if row["state_sha256"] != expected["state_sha256"]:
            raise Failed(position, "the stored event differs from the one audited (altered or swapped)")
        if any(row[name] != expected[name] for name in CONTENT) or row["data"] != expected["data_text"]:
            raise Failed(position, "the audit row's content differs from the stored event")
        if (row["prev_hash"], row["hash"], row["seq"]) != (previous, self.head, self.checked):
            raise Failed(position, "the audit row's hash chain does not match the recomputed chain")
        # The row's fields equal the event's, so their inspector form hashes to the same content hash: no
        # second hashing needed to know that what the audit table shows is what is proven.

    def _checkpoints_at(self, position: int, mark: Mapping[str, Any], marks: Iterator[Mapping[str, Any]],
                        audited: bool) -> Mapping[str, Any]:
        found = False
        while mark["position"] <= position:
            if mark["position"] < position:
                raise Failed(mark["position"], "a signed checkpoint names a position that holds no event")
            if self.marks_seen is not None:
                self.marks_seen.see(mark)
            if (mark["head"], mark["count"]) != (self.head, self.checked):
                raise Failed(position, "the signed checkpoint does not match the recomputed chain: "
                                       "the history up to here was rewritten")
            self.signed, self.every, found = self.signed + 1, mark["every"], True
            self.on_checkpoint(mark)
            mark = self._next(marks, position)
        if audited and not found and self.checked % self.every == 0:
            raise Failed(position, f"the signed checkpoint due at the {self.checked}th event is missing: "
                                   "a checkpoint was deleted")
        return mark
