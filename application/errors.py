"""Errors of the application layer (the domain's own errors live beside their aggregates)."""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    """A command could not be carried out; nothing was written."""


class NotFound(ApplicationError):
    def __init__(self, kind: str, ident: Any):
        super().__init__(f"no {kind} {ident}")
        self.kind = kind
        self.ident = ident


class UnknownReference(ApplicationError):
    """A command named something that does not exist (a site, a category, a volunteer, a team)."""

    def __init__(self, field: str, value: Any):
        super().__init__(f"unknown {field}: {value}")
        self.field = field
        self.value = value


class VersionMismatch(ApplicationError):
    """The caller's expected version is not the aggregate's current version."""

    def __init__(self, expected: int, actual: int):
        super().__init__(f"expected version {expected}, but it is at version {actual}")
        self.expected = expected
        self.actual = actual


class ConcurrencyConflict(ApplicationError):
    """Another command changed the same aggregate first (a lost race); retrying may succeed."""


class AlreadyExists(ApplicationError):
    """A create command would make an aggregate whose natural key is already taken."""


class IdempotencyKeyReused(ApplicationError):
    """The idempotency key was already used for a different request by this principal."""


class StoreUnavailable(ApplicationError):
    """The event store did not answer in time (lock timeout, connection lost); the command was not applied."""
