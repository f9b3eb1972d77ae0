"""The event-sourced application core: persistence configuration, atomic commits, lookups, reference data."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, IntegrityError, InterfaceError, OperationalError

from application.door_codes import DoorCodes
from application.persistence.clock import Clock, SystemClock
from application.persistence.key_store import KeyStore
from application.residents import Residents
from application.errors import (ConcurrencyConflict, NotFound, StoreUnavailable, UnknownReference,
                                VersionMismatch)
from application.idempotency import CommandResult
from application.policy import Policy
from application.reference import Category, bundled_sites, catalogue
from application.settings import Settings
from application.sites import SiteDirectory
from application.persistence.writer_lock import WriterLock, lock_path_for
from domain.site import Site, site_uuid

A = TypeVar("A", bound=Aggregate)
REFERENCE_ACTOR = "system:reference-data"


class CivicFlowBase(Application):
    name = "civicflow"

    def __init__(self, settings: Settings | None = None, clock: Clock | None = None,
                 env: dict[str, str] | None = None):
        self.settings = settings or Settings.from_env()
        self.clock = clock or SystemClock()
        self._writer_lock = self._writer_lock_for(self.settings)
        store_env = self.settings.store.eventsourcing_env()
        # eventsourcing reads a cache size of 0 as "unbounded"; here 0 means no cache at all.
        size = self.settings.aggregate_cache_size
        cache = {"AGGREGATE_CACHE_MAXSIZE": str(size)} if size > 0 else {}
        super().__init__(env={**cache, **store_env, **(env or {})})
        self._sites: SiteDirectory | None = None
        self.residents = Residents(KeyStore.open(self.settings.store))  # before the policy, which reads through it
        self.door_codes = DoorCodes(self.residents.door_code_key)
        self.policy = Policy(self)

    @staticmethod
    def _writer_lock_for(settings: Settings) -> WriterLock | None:
        store = settings.store
        return WriterLock(lock_path_for(store.path)) if store.kind == "sqlite" and store.path else None

    def construct_recorder(self) -> ApplicationRecorder:
        """The library's recorder; on SQLite its writes queue on the writer lock (see writer_lock.py)."""
        recorder = super().construct_recorder()
        if self._writer_lock is not None:
            recorder.insert_events = self._writer_lock.guard(recorder.insert_events)  # type: ignore[method-assign]
        return recorder

    def close(self) -> None:
        super().close()
        self.residents.keys.close()
        if self._writer_lock is not None:
            self._writer_lock.close()

    # --- writing ----------------------------------------------------------------------------------

    def commit(self, aggregates: Sequence[Aggregate]) -> CommandResult:
        """Save every changed aggregate in one atomic write; a lost race becomes a typed conflict."""
        try:
            self.save(*aggregates)
        except IntegrityError as error:
            raise ConcurrencyConflict("another command changed this first; reload and retry") from error
        except (OperationalError, InterfaceError) as error:
            raise StoreUnavailable(f"the event store is busy or unreachable: {error}") from error
        primary = aggregates[0]
        self._remember([copy.deepcopy(primary), *aggregates[1:]])
        return CommandResult(primary.id, primary.version, aggregate=primary)

    def _remember(self, aggregates: Sequence[Aggregate]) -> None:
        """Cache what was just saved, so the next command on it fast-forwards (usually an empty read)
        instead of replaying its history. The library does this itself only when fast-forward is off.
        The primary is cached as a copy: the caller keeps the saved object, and the cache's copy may be
        fast-forwarded in place by another thread."""
        repository = self.repository
        if repository.cache is not None and repository.fastforward:
            for aggregate in aggregates:
                repository.cache.put(aggregate.id, aggregate)

    # --- reading ----------------------------------------------------------------------------------

    def find(self, cls: type[A], aggregate_id: UUID, version: int | None = None) -> A | None:
        try:
            aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def peek(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as it is in the store now, for reading only: the cached object itself,
        fast-forwarded like `find` does, but not copied. Callers must neither mutate nor keep it."""
        try:
            aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def load(self, cls: type[A], aggregate_id: UUID, expected_version: int | None = None, *,
             check: Callable[[A], None] | None = None) -> A:
        """The aggregate a command acts on. `check` (the caller's visibility, by the policy) runs on this very
        copy, before the version: someone else's aggregate answers as a missing one does."""
        aggregate = self.find(cls, aggregate_id)
        if aggregate is None:
            raise NotFound(cls.__name__.lower(), aggregate_id)
        if check is not None:
            check(aggregate)
        if expected_version is not None and aggregate.version != expected_version:
            raise VersionMismatch(expected_version, aggregate.version)
        return aggregate

    def referenced(self, cls: type[A], field: str, aggregate_id: UUID) -> A:
        """Load an aggregate that a command names in its body: absent means a bad request, not a 404."""
        aggregate = self.find(cls, aggregate_id)
        if aggregate is None:
            raise UnknownReference(field, aggregate_id)
        return aggregate

    def identified(self, cls: type[A], field: str, aggregate_id: UUID) -> A:
        """A referenced aggregate that the command needs only by identity (that it exists, and its id).

        Existence and type never change, so a cached copy answers without reading the store. The copy
        may lag behind the store: callers must neither mutate it nor read its changing state.
        """
        cached = self._cached(aggregate_id)
        if isinstance(cached, cls):
            return cached
        return self.referenced(cls, field, aggregate_id)

    def _cached(self, aggregate_id: UUID) -> Aggregate | None:
        cache = self.repository.cache
        try:
            return cache.get(aggregate_id) if cache is not None else None
        except KeyError:
            return None

    # --- reference data ---------------------------------------------------------------------------

    def load_reference_data(self) -> int:
        """Register the bundled sites that the store does not hold yet; returns how many were added."""
        at = self.clock.now()
        stored = {s["id"]: self.find(Site, site_uuid(s["id"])) for s in bundled_sites()}
        new_sites = [Site.register(s["id"], s["name"], s["name_zh"], s["level"], s["parent_id"], s["lat"],
                                   s["lon"], actor=REFERENCE_ACTOR, at=at)
                     for s in bundled_sites() if stored[s["id"]] is None]
        if new_sites:
            self.commit(new_sites)
        self._sites = SiteDirectory([*filter(None, stored.values()), *new_sites])
        return len(new_sites)

    @property
    def sites(self) -> SiteDirectory:
        if self._sites is None:
            found = (self.find(Site, site_uuid(s["id"])) for s in bundled_sites())
            self._sites = SiteDirectory(site for site in found if site is not None)
        return self._sites

    @property
    def categories(self) -> dict[str, Category]:
        return catalogue()

    def require_site(self, field: str, code: str) -> Site:
        site = self.sites.get(code)
        if site is None:
            raise UnknownReference(field, code)
        return site

    def require_category(self, field: str, code: str) -> Category:
        category = self.categories.get(code)
        if category is None:
            raise UnknownReference(field, code)
        return category
