"""Auto-dispatch ranking, checked by hand: nearest home site, then load, rating, fewest recent orders, id."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

from application.commands.dispatch import SiteDistances, choose
from application.reference import bundled_sites
from application.sites import SiteDirectory
from domain.dispatch import Candidate
from domain.site import Site
from tests.fakes import Card, InMemoryCandidates

NOW = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
HOME = "post-babaoshan-01"  # the order's site; post-lugu-12 is 0.04 km away, the nearest other site


def district() -> SiteDistances:
    sites = [Site.register(s["id"], s["name"], s["name_zh"], s["level"], s["parent_id"], s["lat"], s["lon"],
                           actor="test", at=NOW) for s in bundled_sites()]
    return SiteDistances(SiteDirectory(sites))


def vid(n: int) -> UUID:
    return UUID(int=n)


def card(n: int, site: str = HOME, load: int = 0, rating: float | None = 4.5, recent: int = 0,
         **eligibility) -> Card:  # type: ignore[no-untyped-def]
    skills = eligibility.pop("skills", {"haircut"})
    return Card(Candidate(vid(n), site, load, rating, recent), skills, **eligibility)


def ranking(source: InMemoryCandidates, distances: SiteDistances, site: str = HOME) -> list[int]:
    """Everyone in the order auto-dispatch would pick them, by excluding each winner in turn."""
    picked: list[UUID] = []
    while (chosen := choose(source, distances, site, "haircut", picked, NOW)) is not None:
        picked.append(chosen[0].volunteer_id)
    return [p.int for p in picked]


def test_volunteers_rank_by_distance_then_load_rating_recent_orders_and_id():
    source = InMemoryCandidates()
    for c in [card(1, site="post-lugu-12", rating=5.0),        # nearest other site: after everyone at home
              card(2, load=1, rating=5.0),                     # busier than 3-7
              card(3, rating=3.0),                             # idle, lower rating than 4-7
              card(4, recent=5), card(5, recent=2),            # same rating: fewer recent orders first
              card(7, recent=2), card(6, recent=2),            # full tie with 5: smaller id first
              card(8, rating=None)]:                           # unrated counts as 0: after rated, same load
        source.add(c)
    assert ranking(source, district()) == [5, 6, 7, 4, 3, 8, 2, 1]


def test_ineligible_volunteers_are_never_chosen():
    source = InMemoryCandidates()
    for c in [card(1, skills={"legal-aid"}), card(2, available=False), card(3, suspended=True),
              card(4, load=3), card(5, load=1, capacity=1), card(9, site="post-lugu-12")]:
        source.add(c)
    assert ranking(source, district()) == [9]


def test_sites_at_the_same_distance_compete_on_the_rest_of_the_rank():
    distances = district()
    ring = [code for d, code in distances.nearest_first(HOME) if d == 0.401]
    assert ring == ["post-babaoshan-05", "post-lugu-19"]
    source = InMemoryCandidates()
    source.add(card(1, site="post-babaoshan-05", load=2))
    source.add(card(2, site="post-lugu-19", load=0))
    assert ranking(source, distances) == [2, 1]


def test_the_walk_stops_at_the_first_site_with_anyone_eligible():
    source = InMemoryCandidates()
    source.add(card(1, site="post-lugu-12"))
    distances = district()
    choose(source, distances, HOME, "haircut", [], NOW)
    assert source.asked == [HOME, "post-lugu-12"]


def test_nobody_eligible_anywhere_gives_none_after_asking_every_site():
    source = InMemoryCandidates()
    source.add(card(1, skills={"legal-aid"}))
    assert choose(source, district(), HOME, "haircut", [], NOW) is None
    assert len(source.asked) == 187
