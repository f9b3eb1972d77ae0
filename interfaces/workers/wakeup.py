"""The pause between two passes of a loop (`keep_running`'s `pause`): on PostgreSQL a wait that returns as soon as
the event store NOTIFYs (eventsourcing's recorder notifies its channel on every insert) or after a fallback
interval (a missed notification, a lost connection); elsewhere a plain interval. Both return early once a stop is
requested, so a signal never waits out a long interval. A pause returns whether a notification woke it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import sql

from application.persistence.store import StoreLocation

log = logging.getLogger("civicflow.workers")
SLICE_SECONDS = 0.25  # how often a pause looks at the stop flag
# After the first notification, the others that come within this window wake the same pass: at 200 commands/s a
# pass per commit spent most of a worker's time on what every pass costs (positions, head, heartbeat), and ate
# the CPU the commands needed. An event waits at most this much longer to be folded or delivered.
GATHER_SECONDS = 0.05


class StopFlag:
    """Set by a signal handler (nothing else is safe there); read by the loop and its pause."""

    def __init__(self) -> None:
        self.requested = False

    def request(self, *_: Any) -> None:
        self.requested = True

    def __call__(self) -> bool:
        return self.requested


class IntervalPause:
    def __init__(self, stop: StopFlag, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self.stop, self.sleep, self.clock = stop, sleep, clock

    def __call__(self, seconds: float) -> bool:
        deadline = self.clock() + seconds
        while not self.stop() and (left := deadline - self.clock()) > 0:
            self.sleep(min(left, SLICE_SECONDS))
        return False

    def close(self) -> None:
        pass


class NotificationPause:
    """LISTENs on the recorder's channel on a connection of its own (autocommit, outside the store's pool).
    LISTEN is issued before the first pass, so an insert committed during a pass wakes the next pause at once."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]], channel: str, stop: StopFlag,
                 clock: Callable[[], float] = time.monotonic):
        self.connect, self.channel, self.stop, self.clock = connect, channel, stop, clock
        self.fallback = IntervalPause(stop, clock=clock)
        self.connection: psycopg.Connection[Any] | None = None
        self._listen()

    @classmethod
    def on(cls, store: StoreLocation, channel: str, stop: StopFlag) -> NotificationPause:
        def connect() -> psycopg.Connection[Any]:
            return psycopg.connect(host=store.host, port=store.port, user=store.user, password=store.password or None,
                                   dbname=store.dbname, autocommit=True, connect_timeout=10)
        return cls(connect, channel, stop)

    def __call__(self, seconds: float) -> bool:
        if self.connection is None and not self._listen():
            return self.fallback(seconds)  # the database is away: poll on the interval until it is back
        deadline = self.clock() + seconds
        try:
            while not self.stop() and (left := deadline - self.clock()) > 0:
                if self._notified(min(left, SLICE_SECONDS), stop_after=1):
                    self._notified(GATHER_SECONDS)  # commits close together wake one pass, not one each
                    return True
        except psycopg.Error as error:
            log.warning("lost the notification connection (%s); polling until it is back", error)
            self.close()
        return False

    def _notified(self, timeout: float, stop_after: int | None = None) -> bool:
        assert self.connection is not None
        return any([*self.connection.notifies(timeout=timeout, stop_after=stop_after)])

    def _listen(self) -> bool:
        try:
            self.connection = self.connect()
            self.connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            return True
        except psycopg.Error as error:
            log.warning("cannot LISTEN on %s (%s)", self.channel, error)
            self.close()
            return False

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = None


def pause_for(store: StoreLocation, recorder: Any, stop: StopFlag, *,
              wake_on_events: bool) -> IntervalPause | NotificationPause:
    """The pause of one loop: woken by the store's notifications where it sends them and the loop cares."""
    channel = getattr(recorder, "channel_name", None)
    if wake_on_events and store.kind == "postgresql" and channel:
        return NotificationPause.on(store, channel, stop)
    return IntervalPause(stop)
