"""Auto-dispatch (派单 `{auto: true}`): walk the sites nearest-first and take the best eligible volunteer.

The application depends only on the `CandidateSource` port: the read side answers it from the
`volunteer_roster` view (indexed by site), tests from an in-memory fake. The chosen volunteer is then
checked against their aggregate, so a view that lags behind can cost a retry but never a wrong dispatch.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime
from itertools import groupby
from uuid import UUID

from application.base import CivicFlowBase
from application.errors import ApplicationError
from application.idempotency import command
from application.ports import CandidateSource
from application.sites import SiteDirectory
from domain.dispatch import RECENT, Candidate, explain, nearest_first, rank_key
from domain.base import InvalidTransition
from domain.order import PLACED, Order
from domain.volunteer import Volunteer, VolunteerError

MAX_STALE_RETRIES = 20


class AutoDispatchUnavailable(ApplicationError):
    """Auto-dispatch was asked for but no candidate source is configured."""


class NoEligibleVolunteer(ApplicationError):
    """No volunteer anywhere has the skill, is available, not suspended and under capacity."""

    def __init__(self, category: str):
        super().__init__(f"no eligible volunteer for {category!r}: nobody available with that skill")
        self.category = category


class SiteDistances:
    """Every site's neighbours nearest-first, computed once per origin from the sites' lat/lon."""

    def __init__(self, sites: SiteDirectory):
        self._points = [(site.code, site.lat, site.lon) for site in sites]
        self._coords = {code: (lat, lon) for code, lat, lon in self._points}
        self._cache: dict[str, list[tuple[float, str]]] = {}

    def nearest_first(self, site_id: str) -> list[tuple[float, str]]:
        if site_id not in self._cache:
            self._cache[site_id] = nearest_first(self._coords[site_id], self._points)
        return self._cache[site_id]

    def rings(self, site_id: str) -> Iterator[list[tuple[float, str]]]:
        """Sites grouped by equal distance (a ring), nearest ring first."""
        for _, ring in groupby(self.nearest_first(site_id), key=lambda pair: pair[0]):
            yield list(ring)


def choose(source: CandidateSource, distances: SiteDistances, site_id: str, category: str,
           exclude: Collection[UUID], recent_since: datetime) -> tuple[Candidate, float] | None:
    """The best candidate over all sites: the nearest ring with anyone eligible, best by `rank_key` in it."""
    for ring in distances.rings(site_id):
        found = [(c, d) for d, code in ring
                 if (c := source.best_candidate(code, category, exclude, recent_since=recent_since))]
        if found:
            return min(found, key=lambda pair: rank_key(*pair))
    return None


class DispatchCommands(CivicFlowBase):
    candidates: CandidateSource | None = None
    _distances: SiteDistances | None = None

    def use_candidates(self, source: CandidateSource) -> None:
        """Wire the read side (interfaces/ do this) or a fake (tests) into auto-dispatch."""
        self.candidates = source

    @property
    def site_distances(self) -> SiteDistances:
        if self._distances is None:
            self._distances = SiteDistances(self.sites)
        return self._distances

    @command
    def auto_dispatch_order(self, order_id: UUID, skip: tuple[UUID, ...] = (), *, actor: str,
                            expected_version: int | None = None) -> list[Order]:
        """Dispatch to the best eligible volunteer, never to one who declined it (nor to those in `skip`)."""
        order = self.load(Order, order_id, expected_version)
        if order.status != PLACED:  # refuse before searching: the domain would refuse the dispatch anyway
            raise InvalidTransition("dispatch the order", order.status)
        candidate, distance = self.best_volunteer_for(order, skip)
        at = self.clock.now()
        order.dispatch(volunteer_id=candidate.volunteer_id, accept_by=self.settings.deadlines.accept_by(at),
                       explanation=explain(candidate, distance, order.site_id), actor=actor, at=at)
        return [order]

    def best_volunteer_for(self, order: Order, skip: Collection[UUID] = ()) -> tuple[Candidate, float]:
        """Rank the view's candidates, then confirm the winner on their aggregate (views may lag)."""
        if self.candidates is None:
            raise AutoDispatchUnavailable("auto-dispatch needs a candidate source (the volunteer roster)")
        exclude, since = {*order.declined_by, *skip}, self.clock.now() - RECENT
        for _ in range(MAX_STALE_RETRIES):
            chosen = choose(self.candidates, self.site_distances, order.site_id, order.category, exclude, since)
            if chosen is None:
                break
            if self._still_eligible(chosen[0].volunteer_id, order.category):
                return chosen
            exclude.add(chosen[0].volunteer_id)
        raise NoEligibleVolunteer(order.category)

    def _still_eligible(self, volunteer_id: UUID, category: str) -> bool:
        volunteer = self.find(Volunteer, volunteer_id)
        if volunteer is None:
            return False
        try:
            volunteer.check_can_take(category)
        except VolunteerError:
            return False
        return True
