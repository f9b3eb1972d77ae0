"""Dashboard numbers for one post, checked by hand against its orders; rolled up for its station."""

from __future__ import annotations

from datetime import timedelta

import pytest

from projections.reads.dashboard import SiteDashboard, UnknownSite
from projections.reads.leaderboard import leaderboard
from tests.application.conftest import RESIDENT
from tests.conftest import START

POST, SIBLING, STATION = "post-babaoshan-02", "post-babaoshan-03", "station-babaoshan"
CHANNEL = "channel:district-app"


def at(clock, hh_mm: str) -> None:  # type: ignore[no-untyped-def]
    hours, minutes = map(int, hh_mm.split(":"))
    clock.set(START.replace(hour=hours, minute=minutes))


def day_at_the_post(app, clock):  # type: ignore[no-untyped-def]
    """08:00 five orders at the post and one at its sibling; then the steps below, in time order."""
    a, b, _c = (app.register_volunteer(n, f"1380000000{i}", POST, ["haircut"], actor="d").id
                for i, n in enumerate("ABC"))
    d = app.register_volunteer("D", "13800000009", SIBLING, ["haircut"], actor="d").id
    o1, o2, o3, o4, o5 = (app.place_order("haircut", POST, "trim", RESIDENT, "app", actor=CHANNEL).id
                          for _ in range(5))
    o6 = app.place_order("haircut", SIBLING, "trim", RESIDENT, "app", actor=CHANNEL).id
    steps = [("08:10", app.dispatch_order, o1, a), ("08:30", app.accept_order, o1, a),
             ("08:30", app.start_service, o1, a), ("08:40", app.dispatch_order, o2, b),
             ("08:50", app.accept_order, o2, b), ("08:50", app.start_service, o2, b),
             ("09:00", app.dispatch_order, o3, a), ("09:00", app.dispatch_order, o6, d),
             ("09:20", app.accept_order, o3, a), ("09:20", app.accept_order, o6, d)]
    for time, command, order, volunteer in steps:
        at(clock, time)
        command(order, volunteer, actor="x")
    at(clock, "09:30"), app.complete_service(o1, a, 60, actor="x")
    at(clock, "10:50"), app.complete_service(o2, b, 120, actor="x")
    at(clock, "10:55"), app.review_order(o1, 5, actor=CHANNEL), app.review_order(o2, 3, actor=CHANNEL)
    app.cancel_order(o5, "moved away", actor=CHANNEL)
    app.escalate_order(o4, "nobody free", actor="system:supervisor")
    at(clock, "11:00")
    return a, b


def test_a_posts_dashboard_matches_its_orders_counted_by_hand(app, clock, read_model):
    day_at_the_post(app, clock)
    read_model.catch_up()
    stats = SiteDashboard(read_model.engine, read_model.tables).stats(POST, now=clock.now())
    assert stats["sites"] == 1 and stats["total"] == 5
    assert {k: v for k, v in stats["counts"].items() if v} == {"placed": 1, "accepted": 1, "reviewed": 2,
                                                               "cancelled": 1}
    assert stats["timings"] == {
        "to_dispatch": {"count": 3, "median_minutes": 40.0, "p90_minutes": 60.0},   # 10, 40, 60
        "to_accept": {"count": 3, "median_minutes": 20.0, "p90_minutes": 20.0},     # 20, 10, 20
        "to_complete": {"count": 2, "median_minutes": 90.0, "p90_minutes": 120.0}}  # 60, 120
    assert stats["satisfaction"] == {"reviews": 2, "rated_4_or_more": 1, "share": 0.5}
    assert stats["participation"] == {"registered": 3, "active_30d": 2, "share": 0.667}
    assert (stats["overdue"], stats["escalated"]) == (1, 1)              # o4: placed past 10:00, escalated


def test_the_station_rolls_up_its_posts_and_a_month_later_nobody_is_active(app, clock, read_model):
    day_at_the_post(app, clock)
    read_model.catch_up()
    dashboard = SiteDashboard(read_model.engine, read_model.tables)
    station = dashboard.stats(STATION, now=clock.now())
    assert (station["total"], station["counts"]["accepted"]) == (6, 2)
    assert station["timings"]["to_dispatch"] == {"count": 4, "median_minutes": 50.0, "p90_minutes": 60.0}
    assert station["participation"] == {"registered": 4, "active_30d": 3, "share": 0.75}
    later = dashboard.stats(POST, now=clock.now() + timedelta(days=31))
    assert later["participation"]["active_30d"] == 0 and later["overdue"] == 2   # o3 also past complete_by
    with pytest.raises(UnknownSite):
        dashboard.stats("post-nowhere", now=clock.now())


def test_the_leaderboard_ranks_by_credited_service_and_awards_stars(app, clock, read_model):
    a, b = day_at_the_post(app, clock)
    veteran = app.register_volunteer("E", "13800000010", POST, ["haircut"], actor="d").id
    order = app.place_order("haircut", POST, "long", RESIDENT, "app", actor=CHANNEL).id
    for command in (app.dispatch_order, app.accept_order, app.start_service):
        command(order, veteran, actor="x")
    clock.advance(timedelta(hours=100))
    app.complete_service(order, veteran, 100 * 60, actor="x")              # 100 hours: the first star
    read_model.catch_up()
    board = leaderboard(read_model.engine, read_model.tables, STATION, limit=3)
    assert [(e["volunteer_id"], e["service_minutes"], e["stars"]) for e in board] == [
        (str(veteran), 6000, 1), (str(b), 120, 0), (str(a), 60, 0)]
    assert [e["rank"] for e in board] == [1, 2, 3] and board[2]["average_rating"] == 5.0
    assert leaderboard(read_model.engine, read_model.tables, SIBLING)[0]["service_minutes"] == 0
