"""Verification: recompute the chain from the event store, and compare it, position by position, with the
audit table and every signed checkpoint; report the first position that differs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification
from sqlalchemy import Engine, select

from projections.audit.chain import GENESIS, next_head, notification_leaf
from projections.audit.log import audit_content
from projections.audit.checkpoints import checkpoint_is_signed
from projections.views.paging import notifications, rows
from projections.views.tables import ViewTables

CONTENT = ("aggregate_id", "aggregate_type", "version", "type", "topic", "timestamp", "actor", "data",
           "state_sha256")
_END: dict[str, Any] = {"position": float("inf")}
PROGRESS_EVERY = 1_000


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    checked: int
    head: str
    first_bad_position: int | None = None
    reason: str | None = None
    checkpoints: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "head": self.head,
                "first_bad_position": self.first_bad_position, "reason": self.reason}


class Failed(Exception):
    def __init__(self, position: int, reason: str):
        super().__init__(reason)
        self.position, self.reason = position, reason


class Verifier:
    def __init__(self, engine: Engine, tables: ViewTables, recorder: ApplicationRecorder, mapper: Mapper,
                 public_key: str, on_progress: Callable[[int], None] | None = None):
        self.engine, self.tables, self.recorder, self.mapper = engine, tables, recorder, mapper
        self.public_key, self.on_progress = public_key, on_progress or (lambda position: None)
        self.head, self.checked, self.signed = GENESIS, 0, 0

    def run(self, stop: int, after: int = 0, head: bytes = GENESIS, count: int = 0) -> VerifyReport:
        """Verify the positions after `after` up to `stop`, the chain starting at `head` after `count` events."""
        self.head, self.checked = head, count
        try:
            self._walk(after, stop)
        except Failed as failure:
            return VerifyReport(False, self.checked, self.head.hex(), failure.position, failure.reason, self.signed)
        return VerifyReport(True, self.checked, self.head.hex(), checkpoints=self.signed)

    def _walk(self, after: int, stop: int) -> None:
        store: Iterator[Any] = notifications(self.recorder, after=after, stop=stop)
        # Bounded by `stop`: a worker may keep appending (and signing) while we verify.
        log, signed = self.tables.audit_log, self.tables.checkpoints
        audit = rows(self.engine, select(log).where(log.c.position <= stop), log.c.position, after=after)
        marks = rows(self.engine, select(signed).where(signed.c.position <= stop), signed.c.position, after=after)
        event, row, mark = next(store, None), next(audit, _END), next(marks, _END)
        mark = self._checkpoints_at(after, mark, marks)
        while event is not None or row is not _END:
            position = min(event.id if event is not None else float("inf"), row["position"])
            if event is None or event.id != position:
                raise Failed(position, "an audited event is missing from the event store (deleted or moved)")
            if row["position"] != position:
                raise Failed(position, "an event in the store is missing from the audit trail (inserted)")
            self._check(event, row)
            mark = self._checkpoints_at(position, mark, marks)
            event, row = next(store, None), next(audit, _END)
        if mark is not _END:
            raise Failed(mark["position"], "a signed checkpoint covers events that are no longer there")

    def _check(self, event: Notification, row: Mapping[str, Any]) -> None:
        previous, (env, leaf) = self.head, notification_leaf(event)
        if (row["aggregate_id"], row["version"], row["topic"], row["state_sha256"]) != (
                env["originator_id"], env["originator_version"], env["topic"], env["state_sha256"]):
            raise Failed(event.id, "the stored event differs from the one audited (altered or swapped)")
        self.head = next_head(previous, leaf)
        if (row["prev_hash"], row["hash"], row["seq"]) != (previous.hex(), self.head.hex(), self.checked + 1):
            raise Failed(event.id, "the audit row's hash chain does not match the recomputed chain")
        try:
            expected = audit_content(env, self.mapper.to_domain_event(event))
        except Exception as error:  # noqa: BLE001 - any decoding failure is a finding, not a crash
            raise Failed(event.id, f"the stored event cannot be decoded: {error}") from error
        if any(row[name] != expected[name] for name in CONTENT):
            raise Failed(event.id, "the audit row's content differs from the stored event")
        self.checked += 1
        if self.checked % PROGRESS_EVERY == 0:
            self.on_progress(event.id)

    def _checkpoints_at(self, position: int, mark: Mapping[str, Any], marks: Iterator[Mapping[str, Any]]
                        ) -> Mapping[str, Any]:
        while mark["position"] <= position:
            if mark["position"] < position:
                raise Failed(mark["position"], "a signed checkpoint names a position that holds no event")
            if not checkpoint_is_signed(self.public_key, mark):
                raise Failed(position, "a checkpoint's signature is not valid for the published key")
            if (mark["head"], mark["count"]) != (self.head.hex(), self.checked):
                raise Failed(position, "the signed checkpoint does not match the recomputed chain: "
                                       "the history up to here was rewritten")
            self.signed += 1
            mark = next(marks, _END)
        return mark



def joined(segments: Sequence[tuple[int, str, int, VerifyReport]]) -> VerifyReport:
    """Consecutive segments' reports as one report. Each segment is (its start position, the head and count
    the audit table claims there, its report) and started from that claim, so the claim must equal what the
    segment before it recomputed; the first failure in log order is the one reported."""
    head, checked, signed = GENESIS.hex(), 0, 0
    for start, claimed_head, claimed_count, report in segments:
        if (claimed_head, claimed_count) != (head, checked):
            return VerifyReport(False, checked, head, start, "the audit trail changed while it was being "
                                "verified: the chain does not continue from one segment to the next", signed)
        signed += report.checkpoints
        if not report.ok:
            return replace(report, checkpoints=signed)
        head, checked = report.head, report.checked
    return VerifyReport(True, checked, head, checkpoints=signed)
