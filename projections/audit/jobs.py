"""Full verifications as jobs: requested (queued), run in the background, read by anyone allowed, from any
worker (the state lives in the database). A job whose runner stopped reporting is shown as abandoned."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import Engine, Table, select, update
from sqlalchemy.exc import IntegrityError

from projections.audit.verify import VerifyReport

Clock = Callable[[], datetime]
PROGRESS_EVERY = 5_000  # positions between two progress writes: seconds apart at any verification speed
STALE_AFTER = timedelta(minutes=5)  # no progress for this long: the job's process is gone


class VerificationJobs:
    def __init__(self, engine: Engine, table: Table, clock: Clock):
        self.engine, self.table, self.clock = engine, table, clock

    def request(self, requested_by: str, job_id: UUID | None = None) -> tuple[dict[str, Any], bool]:
        """A queued job (or, for a `job_id` already requested, that job): (job, whether it is new)."""
        now = self._now()
        row = {"id": str(job_id or uuid4()), "state": "queued", "requested_by": requested_by, "requested_at": now,
               "updated_at": now, "progress": 0, "result": None}
        try:
            with self.engine.begin() as conn:
                conn.execute(self.table.insert(), [row])
        except IntegrityError:
            found = self.get(row["id"])
            if found is not None:
                return found, False
            raise
        return self._shown(row), True

    def get(self, job_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            found = conn.execute(select(self.table).where(self.table.c.id == job_id)).mappings().first()
        return None if found is None else self._shown(dict(found))

    def run(self, job_id: str, verify: Callable[[Callable[[int], None]], VerifyReport]) -> VerifyReport | None:
        """Run the job (queued → running → passed or failed); None if someone else took it first."""
        if not self._set(job_id, "running", only_from="queued"):
            return None
        last = [0]

        def progress(position: int) -> None:
            if position - last[0] >= PROGRESS_EVERY:
                last[0] = position
                self._set(job_id, "running", progress=position)

        try:
            report = verify(progress)
        except Exception as error:  # noqa: BLE001 - the job records why it stopped, then the error goes on
            self._set(job_id, "error", result={"error": f"{type(error).__name__}: {error}"})
            raise
        self._set(job_id, "passed" if report.ok else "failed", result=report.as_dict(), progress=report.checked)
        return report

    def _set(self, job_id: str, state: str, *, only_from: str | None = None, **values: Any) -> bool:
        query = update(self.table).where(self.table.c.id == job_id)
        if only_from is not None:
            query = query.where(self.table.c.state == only_from)
        with self.engine.begin() as conn:
            return conn.execute(query.values(state=state, updated_at=self._now(), **values)).rowcount == 1

    def _shown(self, row: dict[str, Any]) -> dict[str, Any]:
        if row["state"] in ("queued", "running") and self._now() - row["updated_at"] > STALE_AFTER:
            row = {**row, "state": "abandoned"}  # its process stopped; request a new one
        return row

    def _now(self) -> datetime:
        return self.clock().astimezone(timezone.utc)
