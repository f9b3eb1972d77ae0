"""What every civicflow aggregate shares: the actor on each event and the domain error base."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from domain.copying import CopiedSharingImmutables


class DomainError(Exception):
    """A command broke a rule of the domain; the aggregate was not changed. `field`: the command's input that
    broke it, when one did (an API reports the error against that field)."""

    field: str | None = None


class InvalidTransition(DomainError):
    """The command is not allowed in the aggregate's present state."""

    def __init__(self, command: str, state: str):
        super().__init__(f"cannot {command}: it is {state}")
        self.command = command
        self.state = state


class CivicAggregate(CopiedSharingImmutables, Aggregate):
    """Base aggregate: every event records who issued it (`actor`) and when (`timestamp`).

    The timestamp always comes from the application's injected clock, passed in as `at`,
    so that no domain code reads the wall clock. Deep copies share immutable values (domain/copying.py).
    """

    class Event(Aggregate.Event):
        actor: str

    class Created(Event, Aggregate.Created):
        pass

    def _record(self, event_class: type[Any], *, actor: str, at: datetime, **data: Any) -> None:
        self.trigger_event(event_class, actor=actor, timestamp=at, **data)
