"""The PostgreSQL recorder of the event store: the library's, with its write sent in one round trip.

eventsourcing's `insert_events` pipelines BEGIN, the table lock, NOTIFY and the INSERT, waits for them (a sync,
so that a duplicate version is raised as an IntegrityError), then sends COMMIT and waits again. The table lock
(taken so that notification ids commit in the order they are issued) is therefore held across a whole extra
round trip to this process and back, and every other writer queues behind it. Here COMMIT is queued in the same
pipeline and the commit's sync is the only wait: the lock is held for the server's own work only. A duplicate
version still fails the INSERT, aborts the transaction and is raised from that sync as an IntegrityError.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import get_topic, retry


class OneTripApplicationRecorder(PostgresApplicationRecorder):
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the library's insert_events
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return None
        with self.datastore.get_connection() as conn:
            curs = conn.cursor()
            try:
                with conn.pipeline(), conn.transaction():  # the commit's sync is the one wait
                    self._insert_stored_events(curs, stored_events, **kwargs)
                return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            finally:
                curs.close()


RECORDER_TOPIC = get_topic(OneTripApplicationRecorder)
