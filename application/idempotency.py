"""Idempotency and the command wrapper: digest the request, replay a retry, save everything at once."""

from __future__ import annotations

import functools
import hashlib
import hmac
import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from application.errors import IdempotencyKeyReused
from domain.copying import CopiedSharingImmutables

IDEMPOTENCY_NAMESPACE = uuid5(NAMESPACE_URL, "https://civicflow.example/idempotency")
NOT_DIGESTED = frozenset({"self", "actor", "principal", "expected_version", "idempotency_key"})


@dataclass(frozen=True)
class CommandResult:
    """What a command answers: the primary aggregate and its version after the command.

    `aggregate` is the primary aggregate as saved (None on a replay): callers can present it without reading
    it back. It is the command's own copy, never shared with the repository's cache.
    """

    id: UUID
    version: int
    replayed: bool = False
    aggregate: Aggregate | None = field(default=None, compare=False, repr=False)


class IdempotencyRecord(CopiedSharingImmutables, Aggregate):
    """Remembers, per principal and key, the request's digest and the result it produced."""

    class Recorded(Aggregate.Created):
        command: str
        request_digest: str
        result_id: UUID
        result_version: int
        actor: str  # who issued the command, as on every other event (records before 0.2 lack it)

    def __init__(self, command: str, request_digest: str, result_id: UUID, result_version: int,
                 actor: str | None = None):
        self.command = command
        self.request_digest = request_digest
        self.result_id = result_id
        self.result_version = result_version

    @classmethod
    def record(cls, record_id: UUID, command: str, digest: str, result: CommandResult, *, actor: str,
               at: datetime) -> IdempotencyRecord:
        return cls._create(cls.Recorded, id=record_id, command=command, request_digest=digest,
                           result_id=result.id, result_version=result.version, actor=actor, timestamp=at)

    def replay(self, command: str, digest: str) -> CommandResult:
        if (command, digest) != (self.command, self.request_digest):
            raise IdempotencyKeyReused("this idempotency key was used for a different request")
        return CommandResult(self.result_id, self.result_version, replayed=True)


def idempotency_record_id(actor: str, key: str) -> UUID:
    return uuid5(IDEMPOTENCY_NAMESPACE, f"{actor}\x1f{key}")


def request_digest(method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                   key: bytes = b"") -> str:
    """An HMAC of the request under the installation's key: a request holds personal data (a resident's name and
    phone), and a bare hash of it could be matched by guessing; the digest outlives an erasure."""
    bound = inspect.signature(method).bind(None, *args, **kwargs)
    bound.apply_defaults()
    request = {k: v for k, v in bound.arguments.items() if k not in NOT_DIGESTED}
    canonical = json.dumps([method.__name__, request], sort_keys=True, default=str, ensure_ascii=False)
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


F = TypeVar("F", bound=Callable[..., Sequence[Aggregate]])


def command(method: F) -> Callable[..., CommandResult]:
    """Turn a method that returns the aggregates it changed (primary first) into an application command.

    The wrapper takes `actor` and an optional `idempotency_key`: a retry with the same key and request
    returns the first result and writes nothing; the same key with another request is rejected.
    """

    @functools.wraps(method)
    def run(app: Any, *args: Any, actor: str, idempotency_key: str | None = None, **kwargs: Any
            ) -> CommandResult:
        if idempotency_key is None:
            return app.commit(method(app, *args, actor=actor, **kwargs))
        digest = request_digest(method, args, {**kwargs, "actor": actor}, app.residents.digest_key())
        record_id = idempotency_record_id(actor, idempotency_key)
        previous = app.find(IdempotencyRecord, record_id)
        if previous is not None:
            return previous.replay(method.__name__, digest)
        changed = method(app, *args, actor=actor, **kwargs)
        result = CommandResult(changed[0].id, changed[0].version)
        record = IdempotencyRecord.record(record_id, method.__name__, digest, result, actor=actor,
                                          at=app.clock.now())
        return app.commit([*changed, record])

    return run
