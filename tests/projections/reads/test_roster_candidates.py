"""The roster-backed CandidateSource ranks as the domain rule says, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from application.app import CivicFlow
from application.persistence.clock import ManualClock
from domain.order import Order
from projections.reads.candidates import RosterCandidates
from tests.application.conftest import place

SITE, CHANNEL = "post-babaoshan-01", "channel:district-app"


def enrol(app: CivicFlow, n: int, site: str = SITE, skills: tuple[str, ...] = ("haircut",)) -> UUID:
    return app.register_volunteer(f"V{n}", f"1380000{n:04d}", site, list(skills), actor="dispatcher:d1").id


def serve(app: CivicFlow, clock: ManualClock, volunteer: UUID, rating: int | None) -> None:
    order = place(app).id
    app.dispatch_order(order, volunteer, actor="dispatcher:d1")
    app.accept_order(order, volunteer, actor="v")
    if rating is None:
        return
    app.start_service(order, volunteer, actor="v")
    clock.advance(timedelta(minutes=30))
    app.complete_service(order, volunteer, 30, actor="v")
    app.review_order(order, rating, actor=CHANNEL)


def ranking(source: RosterCandidates, now, site: str = SITE) -> list[UUID]:  # type: ignore[no-untyped-def]
    picked: list[UUID] = []
    while (found := source.best_candidate(site, "haircut", picked, recent_since=now - timedelta(days=30))):
        picked.append(found.volunteer_id)
    return picked


def test_roster_candidates_rank_by_load_rating_and_recent_orders(app, clock, read_model):
    busy, rated_once, idle, rated_twice = (enrol(app, n) for n in range(4))
    enrol(app, 4, skills=("legal-aid",))
    app.set_availability(enrol(app, 5), False, actor="v")
    app.suspend_volunteer(enrol(app, 6), "complaint", actor="dispatcher:d1")
    enrol(app, 7, site="post-babaoshan-02")
    serve(app, clock, busy, rating=None)                       # load 1
    serve(app, clock, rated_once, rating=5)                    # load 0, rating 5, 1 recent order
    serve(app, clock, rated_twice, rating=5)
    serve(app, clock, rated_twice, rating=5)                   # load 0, rating 5, 2 recent orders
    read_model.catch_up()
    source = RosterCandidates(read_model.engine, read_model.tables)
    assert ranking(source, clock.now()) == [rated_once, rated_twice, idle, busy]
    best = source.best_candidate(SITE, "haircut", [], recent_since=clock.now() - timedelta(days=30))
    assert (best.active_orders, best.average_rating, best.recent_orders) == (0, 5.0, 1)
    assert source.best_candidate(SITE, "haircut", [], recent_since=clock.now()).volunteer_id == rated_once


def test_auto_dispatch_over_the_roster_picks_the_nearest_volunteer(app, clock, read_model):
    near, far = enrol(app, 1, site="post-lugu-12"), enrol(app, 2, site="center")
    order = place(app).id
    read_model.catch_up()
    app.use_candidates(RosterCandidates(read_model.engine, read_model.tables))
    app.auto_dispatch_order(order, actor="dispatcher:d1")
    dispatched = app.load(Order, order)
    assert dispatched.assignee_volunteer_id == near != far
    assert dispatched.dispatch_explanation["home_site_id"] == "post-lugu-12"
